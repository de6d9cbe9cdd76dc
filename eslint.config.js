// @ts-check
const tseslint = require('typescript-eslint');
const boundaries = require('./eslint.boundaries.js');

const adapterImports = ['**/platform', '**/platform/**', '**/composition', '**/config'];

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.local/**', '**/*.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: __dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  ...boundaries.configs,
  {
    // Orchestrations replay: anything that reads the world or the clock would break determinism. This covers exactly
    // the orchestration side: orchestrators, the contracts they import, and the orchestration-side helpers.
    files: [
      'functions/orchestrations/**/*.ts',
      'shared/durable/**/*.ts',
      'shared/**/*.orchestrator.ts',
      'shared/**/contract.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Orchestrations are deterministic: no Node built-ins.' },
            {
              group: adapterImports,
              message: 'Orchestrations are dependency-free: call an activity instead.',
            },
            // This block replaces the product's boundary rule for these files, so it restates it.
            boundaries.platformImports,
          ],
          paths: [
            'fs',
            'path',
            'os',
            'crypto',
            'http',
            'https',
            'net',
            'child_process',
            'util',
            'events',
            'timers',
          ].map((name) => ({ name, message: 'Orchestrations are deterministic: no Node built-ins.' })),
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'Use context.df.currentUtcDateTime.',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Use context.df.currentUtcDateTime.',
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'Use context.df.newGuid.',
        },
        {
          selector: 'CallExpression[callee.name=/^set(Timeout|Interval|Immediate)$/]',
          message: 'Use context.df.createTimer.',
        },
      ],
    },
  },
  {
    files: ['local/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**/*.ts', 'local/*/test/**/*.ts'],
    rules: {
      // Tests read deep into JSON answers; typing every body would only restate the assertions.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
