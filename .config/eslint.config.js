// Flat config kept under .config/ so the top level stays as designed.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    files: ['lib/**/*.ts'],
    ignores: ['lib/store/**', 'lib/config/**', 'lib/local/**'],
    rules: {
      // DESIGN §8: domain code knows nothing of AWS; only the store and config talk to the SDK.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@aws-sdk/*', 'aws-lambda'], message: 'AWS SDK belongs in lib/store or lib/config.' },
          ],
        },
      ],
    },
  },
);
