// The lint gate (run by `npm test` and `.ci/run`): typescript-eslint with type information, the
// layer rules (routes → services → repositories → db; no SQL outside repositories/ and migrations/),
// and size limits that make a long function say why it is long.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import prettier from 'eslint-config-prettier';
import layers from './tools/eslint-layers.mjs';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'coverage/', 'bench/results/', 'tools/', '*.config.js', '*.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  comments.recommended,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { layers },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      // an eslint-disable must say why
      '@eslint-community/eslint-comments/require-description': ['error', { ignore: ['eslint-enable'] }],
      '@eslint-community/eslint-comments/disable-enable-pair': ['error', { allowWholeFile: true }],
      'max-len': ['error', { code: 160, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreUrls: true, ignoreRegExpLiterals: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'error',
    },
  },
  // The application: functions stay short and simple, or say in a comment why not.
  {
    files: ['server/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
      complexity: ['error', 15],
    },
  },
  // Layers. Each layer may import only the layers below it:
  //   app/deps/index/cli/background (wiring) → routes, commands → services → mail, surveys → repositories → db
  {
    files: ['server/repositories/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/services/**', '../services'], message: 'repositories/ is below services/: move the rule into the service.' },
            {
              group: ['**/routes/**', '**/commands/**', '**/middleware/**'],
              message: 'repositories/ knows nothing about HTTP or the CLI.',
            },
            { group: ['**/mail/**'], message: 'repositories/ is below mail/.' },
            { group: ['**/app', '**/deps', '**/cli', '**/background', '**/index'], message: 'repositories/ must not import the wiring.' },
          ],
        },
      ],
    },
  },
  {
    files: ['server/mail/**/*.ts', 'server/surveys/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/services/**', '../services'],
              message: 'mail/ and surveys/ are below services/: the worker is handed what it needs (see background.ts).',
            },
            {
              group: ['**/routes/**', '**/commands/**', '**/middleware/**'],
              message: 'mail/ and surveys/ know nothing about HTTP or the CLI.',
            },
            {
              group: ['**/app', '**/deps', '**/cli', '**/background', '**/index'],
              message: 'mail/ and surveys/ must not import the wiring.',
            },
            { group: ['knex'], allowTypeImports: true, message: 'SQL lives in repositories/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['server/services/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/routes/**', '**/commands/**', '**/middleware/**'], message: 'services/ is below routes/ and commands/.' },
            { group: ['**/app', '**/cli', '**/background', '**/index'], message: 'services/ must not import the wiring.' },
            { group: ['**/deps'], allowTypeImports: true, message: 'services/ may name the Deps type, never import the wiring itself.' },
            { group: ['knex'], allowTypeImports: true, message: 'SQL lives in repositories/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['server/routes/**/*.ts', 'server/commands/**/*.ts', 'server/middleware/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/repositories/**', '**/db'],
              allowTypeImports: true,
              message: 'routes/ and commands/ call services; SQL lives in repositories/.',
            },
            { group: ['**/app', '**/cli', '**/background'], message: 'routes/ and commands/ must not import the wiring.' },
            {
              group: ['**/deps'],
              allowTypeImports: true,
              message: 'routes/ and commands/ may name the Deps type, never import the wiring itself.',
            },
            { group: ['knex'], allowTypeImports: true, message: 'SQL lives in repositories/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['server/lib/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../*', '!../lib/**'], message: 'lib/ holds plain helpers every layer may use: it imports nothing of the app.' },
          ],
        },
      ],
    },
  },
  // No query outside repositories/ (and migrations/, db.ts): no call of a Knex instance or transaction.
  {
    files: ['server/**/*.ts'],
    ignores: ['server/repositories/**', 'server/db.ts'],
    rules: { 'layers/no-sql-outside-repositories': 'error' },
  },
  // Tests and benchmarks: long describe blocks are fine; jest's expect(...) is loosely typed.
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
