// The lint gate keeps the layers: these probes are real files in the tree, linted with the
// project's own configuration, so the rules are proven to fire (and not only to pass on clean code).
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

/** ESLint in its own process (it loads its flat config as an ES module, which jest's sandbox cannot). */
async function eslintRules(file: string): Promise<string[]> {
  const bin = path.join(ROOT, 'node_modules', '.bin', 'eslint');
  const { stdout } = await run(bin, ['--format', 'json', file], { cwd: ROOT }).catch((e: { stdout?: string }) => ({
    stdout: e.stdout ?? '[]',
  }));
  const results = JSON.parse(stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
  return (results[0]?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

async function rulesFiredOn(relativePath: string, code: string): Promise<string[]> {
  const file = path.join(ROOT, relativePath);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, code);
  try {
    return await eslintRules(file);
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

describe('the lint gate', () => {
  jest.setTimeout(120_000);

  it('refuses a query in a service', async () => {
    const fired = await rulesFiredOn(
      'server/services/__lint_probe__/probe.ts',
      "import type { Knex } from 'knex';\n\nexport async function count(db: Knex): Promise<unknown> {\n  return db('rounds').count();\n}\n",
    );
    expect(fired).toContain('layers/no-sql-outside-repositories');
  });

  it('refuses db.raw and a transaction opened outside repositories', async () => {
    const fired = await rulesFiredOn(
      'server/routes/__lint_probe__/probe.ts',
      "import type { Knex } from 'knex';\n\nexport async function f(db: Knex): Promise<void> {\n  await db.raw('select 1');\n  await db.transaction(async () => {});\n}\n",
    );
    expect(fired.filter((r) => r === 'layers/no-sql-outside-repositories')).toHaveLength(2);
  });

  it('allows the same query in a repository', async () => {
    const fired = await rulesFiredOn(
      'server/repositories/__lint_probe__/probe.ts',
      "import type { Knex } from 'knex';\n\nexport async function count(db: Knex): Promise<unknown> {\n  return db('rounds').count();\n}\n",
    );
    expect(fired).toEqual([]);
  });

  it('refuses an upward import: a repository importing a service, mail/ importing a service, a route importing a repository', async () => {
    const repo = await rulesFiredOn(
      'server/repositories/__lint_probe__/probe.ts',
      "import { placeholderValues } from '../../services/surveys';\n\nexport const p = placeholderValues;\n",
    );
    expect(repo).toContain('@typescript-eslint/no-restricted-imports');
    const mail = await rulesFiredOn(
      'server/mail/__lint_probe__/probe.ts',
      "import { audit } from '../../services/audit';\n\nexport const a = audit;\n",
    );
    expect(mail).toContain('@typescript-eslint/no-restricted-imports');
    const route = await rulesFiredOn(
      'server/routes/__lint_probe__/probe.ts',
      "import { listPanels } from '../../repositories/panels';\n\nexport const l = listPanels;\n",
    );
    expect(route).toContain('@typescript-eslint/no-restricted-imports');
  });

  it('refuses unsafe any and a floating promise', async () => {
    const fired = await rulesFiredOn(
      'server/services/__lint_probe__/probe.ts',
      'export function f(x: string): number {\n  const v = JSON.parse(x);\n  void v;\n  Promise.resolve(1);\n  return v.length;\n}\n',
    );
    expect(fired).toEqual(
      expect.arrayContaining(['@typescript-eslint/no-unsafe-member-access', '@typescript-eslint/no-floating-promises']),
    );
  });

  it('refuses a formatting difference (prettier --check, as npm test runs it)', async () => {
    const file = path.join(ROOT, 'server/services/__lint_probe__/probe.ts');
    const bin = path.join(ROOT, 'node_modules', '.bin', 'prettier');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      fs.writeFileSync(file, 'export  const x = { a:1 }\n');
      await expect(run(bin, ['--check', file], { cwd: ROOT })).rejects.toMatchObject({ code: 1 });
      fs.writeFileSync(file, 'export const x = { a: 1 };\n');
      await expect(run(bin, ['--check', file], { cwd: ROOT })).resolves.toBeDefined();
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});
