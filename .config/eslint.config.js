// Flat config kept under .config/ so the top level stays as designed.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const AWS_SDK = {
  group: ['@aws-sdk/*'],
  message: 'The AWS SDK belongs in lib/store, lib/config or functions/commons.',
};
const LAMBDA_TYPES = {
  group: ['aws-lambda'],
  message: 'Lambda event types belong in lib/handlers (the Lambda adapters).',
};
const EDGE_ROOMS = {
  group: ['**/local/*', '**/simulator/*', '**/lib/local/*', '**/lib/simulator/*'],
  message: 'lib/local and lib/simulator are edge rooms: nothing outside them imports them.',
};
const OUTER_LAYERS = {
  group: ['**/functions/*', '**/infra/*', '**/infra/**'],
  message: 'lib never imports functions/ or infra/: they import lib.',
};

/** One no-restricted-imports entry for `files` (minus `ignores`) forbidding every pattern group given. */
function restrictImports(files, ignores, patterns) {
  return [{ files, ignores, rules: { 'no-restricted-imports': ['error', { patterns }] } }];
}

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Plain JS entry points run on Node.js.
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  // DESIGN §8, the layers: imports run functions → lib and infra → lib, never back; lib/local (the local
  // runner and CLI) and lib/simulator (a dev tool) are edge rooms nothing else imports; the AWS SDK only
  // in lib/store, lib/config and functions/commons; Lambda event types only in the handler adapters.
  ...restrictImports(
    ['lib/**/*.ts'],
    ['lib/store/**', 'lib/config/**', 'lib/handlers/**', 'lib/local/**', 'lib/simulator/**'],
    [AWS_SDK, LAMBDA_TYPES, EDGE_ROOMS, OUTER_LAYERS],
  ),
  ...restrictImports(['lib/store/**/*.ts', 'lib/config/**/*.ts'], [], [EDGE_ROOMS, OUTER_LAYERS]),
  ...restrictImports(['lib/handlers/**/*.ts'], [], [AWS_SDK, EDGE_ROOMS, OUTER_LAYERS]),
  ...restrictImports(['lib/local/**/*.ts', 'lib/simulator/**/*.ts'], [], [OUTER_LAYERS]),
  ...restrictImports(['functions/**/*.ts'], ['functions/commons/**'], [AWS_SDK, EDGE_ROOMS]),
  ...restrictImports(['functions/commons/**/*.ts', 'infra/**/*.ts'], [], [EDGE_ROOMS]),
);
