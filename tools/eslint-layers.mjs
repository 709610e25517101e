// A local ESLint rule with type information: no query outside repositories/.
// It reports every call of a Knex instance or transaction (`db('rounds')`, `trx('answers')`) and
// every method called on one (`db.raw(…)`, `db.transaction(…)`, `trx.commit()`), wherever the value
// came from (a parameter, deps.db, a destructured field). Import rules alone cannot see that, since a
// service is handed the Knex instance rather than importing it.
import { ESLintUtils } from '@typescript-eslint/utils';

const KNEX_TYPES = new Set(['Knex', 'Transaction']);

function isKnexType(type) {
  for (const t of type.isUnion() ? type.types : [type]) {
    const symbol = t.aliasSymbol ?? t.getSymbol();
    if (!symbol || !KNEX_TYPES.has(symbol.getName())) continue;
    const decls = symbol.getDeclarations() ?? [];
    if (decls.some((d) => /[\\/]knex[\\/]types[\\/]/.test(d.getSourceFile().fileName))) return true;
  }
  return false;
}

const noSqlOutsideRepositories = ESLintUtils.RuleCreator.withoutDocs({
  meta: {
    type: 'problem',
    messages: {
      query: 'SQL lives in repositories/: call a repository function instead of querying the database here.',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    const services = ESLintUtils.getParserServices(context);
    const typeOf = (node) => services.getTypeAtLocation(node);
    return {
      CallExpression(node) {
        const callee = node.callee;
        if (isKnexType(typeOf(callee))) {
          context.report({ node, messageId: 'query' });
          return;
        }
        if (callee.type === 'MemberExpression' && isKnexType(typeOf(callee.object))) {
          context.report({ node, messageId: 'query' });
        }
      },
    };
  },
});

export default { rules: { 'no-sql-outside-repositories': noSqlOutsideRepositories } };
