// Lint rules for the bugs the compiler lets through: lost promises, switches that miss a new
// member, imports kept at run time for a type. Types come from tsconfig.json; the layout is
// Prettier's (.prettierrc), so no rule here is about formatting.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The @kubernetes/client-node models are classes without methods: a spread copy loses nothing.
const kubernetesModels = { from: 'package', package: '@kubernetes/client-node', name: ['V1Lease', 'V1LeaseSpec', 'V1ObjectMeta'] };

export default defineConfig(
  // What .gitignore names, the generated types and the test inputs.
  { ignores: ['dist/', 'coverage/', '.lockstep/', 'bench/results/', 'test-results/', 'test-output/', 'src/types/generated.ts', 'test/fixtures/'] },
  js.configs.recommended,
  // Among others: no-floating-promises, no-misused-promises, await-thenable, only-throw-error,
  // no-unnecessary-type-assertion, restrict-template-expressions, no-unused-vars.
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A promise returned without await from inside a try escapes its catch and finally.
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      // Rejections are Errors, as throws are; an `any` or `unknown` passed on (an AbortSignal's
      // reason, a caught error) stays allowed, as only-throw-error allows it.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // A switch over a union names every member or has a default: a new action, kind or
      // trigger cannot fall through unseen.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Without a comparator numbers sort as strings.
      '@typescript-eslint/require-array-sort-compare': ['error', { ignoreStringArrays: true }],
      // A spread of a promise (a forgotten await), of a string into an object, of a Map.
      '@typescript-eslint/no-misused-spread': ['error', { allow: [kubernetesModels] }],
      '@typescript-eslint/no-deprecated': 'error',
      // Type-only imports say so: under verbatimModuleSyntax any other import is kept at run time.
      // Inline `type` in a mixed import, `import type` when all are types, as the code writes them.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      // A rest sibling or a leading _ names a value left out on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-self-compare': 'error',
      'no-unused-private-class-members': 'error',

      // Off, from recommendedTypeChecked: here they flag what is meant.
      // `any` comes from commander's options, JSON and the SDKs, and is checked or cast at once.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Interfaces declare callbacks as methods (`close(): Promise<void>`) that are implemented by closures.
      '@typescript-eslint/unbound-method': 'off',
      // String(x) of an unknown value from the wire is how the emulators and parsers report it.
      '@typescript-eslint/no-base-to-string': 'off',
      // An async method without await implements a Promise-returning interface and turns a throw into a rejection.
      '@typescript-eslint/require-await': 'off',
      // `KnownUnion | string` documents the known values of an open string.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
    },
  },
  {
    // Tests and benches: a rejected async callback fails the test run or the bench worker
    // anyway, sorts order test data, and emulator replies are read as `any`.
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/require-array-sort-compare': 'off',
      '@typescript-eslint/no-misused-spread': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Outside tsconfig.json, linted without types: the plain JavaScript (bin, scripts, benches,
    // this file) and the vitest config. Types for these few files would cost a third of the
    // run (a program of their own, with all of dist/ or of vite) for values that are `any`.
    files: ['**/*.js', '**/*.mjs', 'vitest.config.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
