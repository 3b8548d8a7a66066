// One linter for the whole tree. Besides the usual TypeScript rules it enforces the dependency
// rule of docs/architecture.md: imports that point the wrong way are errors. It also keeps
// functions short (max-lines-per-function).
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const zone = (target, from, message, except) => ({
  target,
  from,
  message,
  ...(except ? { except } : {}),
});

/** Zones every file obeys, tests included. */
const zones = [
  zone(
    './common',
    [
      './workers/routes',
      './workers/services',
      './workers/git/storage',
      './db',
      './durable-objects',
    ],
    'common/ (the git model, error kinds, the dev-secret rule) is pure: no I/O layers',
  ),
  zone(
    './workers/git/storage',
    ['./workers/routes', './workers/services'],
    'storage sits below services',
  ),
  zone('./workers/services', './workers/routes', 'services must not import routes'),
  zone(
    './db',
    ['./workers/routes', './workers/services', './durable-objects'],
    'db/ sits below services',
  ),
  zone(
    './durable-objects',
    ['./workers/routes', './workers/services'],
    'Durable Objects may import the git model, storage interfaces and error kinds only',
  ),
  zone(
    ['./ssh-bridge', './runner-controller'],
    './workers',
    'Node services talk to the Worker over HTTP; they may import only pure modules, which live in common/',
  ),
  zone(
    './workers',
    './durable-objects',
    'the Worker imports Durable Object code only through durable-objects/index.ts (classes) and formats.ts (what crosses a stub)',
    ['./index.ts', './formats.ts'],
  ),
  zone(
    ['./ssh-bridge', './runner-controller'],
    ['./durable-objects', './db'],
    'Node services talk to the Worker over HTTP',
  ),
];

/** Production code never imports tests or benchmarks. */
const testZone = zone(
  [
    './workers',
    './durable-objects',
    './common',
    './db',
    './ssh-bridge',
    './runner-controller',
    './scripts',
  ],
  ['./test', './bench'],
  'nothing imports test/ or bench/',
);

/** Longest function outside tests, in lines of code (blank lines and comments not counted). */
const MAX_FUNCTION_LINES = 120;

const testFiles = ['**/*.test.ts', '**/*.test.tsx', 'test/**', 'bench/**'];

export default tseslint.config(
  { ignores: ['node_modules/**', '.plue/**', '.wrangler/**', 'dist/**', 'test/artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver': { node: { extensions: ['.ts', '.tsx', '.js', '.json'] } },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    ignores: testFiles,
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: [...zones, testZone] }],
      // Long multi-phase functions are split into named phases or a class holding their state.
      // Tests and benchmarks are exempt: a describe block or a bench run reads as a script.
      'max-lines-per-function': [
        'error',
        { max: MAX_FUNCTION_LINES, skipBlankLines: true, skipComments: true },
      ],
    },
  },
  {
    files: testFiles,
    rules: {
      'import-x/no-restricted-paths': ['error', { zones }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
