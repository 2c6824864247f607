// Lint rules shared by every package (flat config, typescript-eslint).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', '**/coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-control-regex': 'off',
    },
  },
  {
    files: ['packages/core/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], message: '@limitrate/core must stay edge-safe: no node: imports' }] }],
    },
  },
  {
    files: ['packages/upstash/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], message: '@limitrate/upstash must stay edge-safe: no node: imports' }] }],
      'no-restricted-globals': ['error', { name: 'Buffer', message: '@limitrate/upstash must stay edge-safe: use Uint8Array, TextEncoder and TextDecoder' }],
    },
  },
);
