// ESLint (flat config): typescript-eslint's type-aware recommended rules and React's hooks rules.
// `npm run lint` fails on any warning.
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist', 'node_modules'] },
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      ecmaVersion: 2022,
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      // The classic hooks rules. The React Compiler's rules (set-state-in-effect, purity, refs, ...)
      // stay off: the app is not compiled by it, and its listeners reset their state on purpose when
      // the document they follow changes.
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // React takes a promise-returning handler fine; a floating promise elsewhere is still an error.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      // Y.Text's toString() gives its text.
      '@typescript-eslint/no-base-to-string': ['error', { ignoredTypeNames: ['YText', 'Text'] }],
    },
  },
  {
    // A feature imports only its own files, lib/, components/ and types/ (the composition root,
    // App.tsx, wires features together); tests/architecture.test.ts checks the same and more.
    files: ['src/features/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*/**', '!../../**'], message: 'A feature imports only its own files, lib/, components/ and types/.' }] },
      ],
    },
  },
  {
    files: ['src/lib/**', 'src/components/**', 'src/types/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/features/**'], message: 'Shared code never imports a feature.' }] },
      ],
    },
  },
  {
    files: ['tests/**', '*.config.ts', '*.config.js'],
    languageOptions: { globals: globals.node },
  },
);
