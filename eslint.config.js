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
    ['./workers', './db', './durable-objects', './ssh-bridge', './runner-controller'],
    'common/ (the git model, error kinds, schemas, the logger) is pure: it imports no program',
  ),
  zone(
    './workers/git/storage',
    ['./workers/routes', './workers/services'],
    'storage sits below services',
  ),
  zone(
    './workers/services',
    ['./workers/routes', './workers/middleware'],
    'services sit below routes and middleware: they take what they need as parameters',
  ),
  zone(
    ['./workers/routes', './workers/middleware'],
    './db',
    'routes and middleware reach the database through services',
  ),
  zone('./db', ['./workers', './durable-objects'], 'db/ sits below the Worker'),
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
  zone(
    './bench',
    './test',
    'benchmarks do not import tests: shared clients live in bench/lib or scripts/',
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

/**
 * No ambient state in Worker and Durable Object code (CONVENTIONS "No ambient state"): no
 * module-level `let`/`var`, and the isolate memory tiers are LRUs made in one place only, the
 * Worker entry (`createMemoryTiers()` in workers/index.ts), and handed down.
 */
/**
 * Tests synchronise on observable events: no fixed sleep (wait for the event, or poll state with
 * a bound through `vi.waitFor` / `expect.poll`), and no wall-clock assertion. A justified case
 * says why in an `eslint-disable-next-line no-restricted-syntax -- …` comment.
 */
const testTiming = [
  {
    selector:
      'NewExpression[callee.name="Promise"] > :function > CallExpression[callee.name="setTimeout"][arguments.0.type="Identifier"], NewExpression[callee.name="Promise"] > :function > BlockStatement > ExpressionStatement > CallExpression[callee.name="setTimeout"][arguments.0.type="Identifier"]',
    message:
      'no fixed sleep in a test: wait for an observable event, or poll with vi.waitFor / expect.poll',
  },
  {
    selector: 'ImportDeclaration[source.value=/^(node:)?timers\\/promises$/]',
    message:
      'no fixed sleep in a test: wait for an observable event, or poll with vi.waitFor / expect.poll',
  },
  {
    selector: 'CallExpression[callee.name=/^(sleep|delay)$/]',
    message:
      'no fixed sleep in a test: wait for an observable event, or poll with vi.waitFor / expect.poll',
  },
  {
    selector:
      'CallExpression[callee.name="expect"] > :matches(BinaryExpression, CallExpression) :matches(MemberExpression[object.name="performance"][property.name="now"], MemberExpression[object.name="Date"][property.name="now"])',
    message: 'no wall-clock assertion in a test: assert what was done, not how long it took',
  },
];

/** One implementation of each small helper: byte concatenation is common/git/bytes.ts's. */
const oneHelper = [
  {
    selector: 'FunctionDeclaration[id.name=/^(concat|join)(Bytes|Parts|Chunks)?$/i]',
    message: 'concatenate bytes with concatBytes from common/git/bytes.ts',
  },
];

const moduleState = [
  {
    selector:
      ':matches(Program, Program > ExportNamedDeclaration) > VariableDeclaration[kind!="const"]',
    message:
      'no module-level mutable state in Worker code: pass it in (env, a request-scoped value)',
  },
  {
    selector: 'Program > VariableDeclaration NewExpression[callee.name="Lru"]',
    message:
      'no module-level cache: the isolate memory tiers are made once at the Worker entry (createMemoryTiers) and handed down',
  },
  {
    selector: 'CallExpression[callee.name="createMemoryTiers"]',
    message: 'the isolate memory tiers are made in one place, workers/index.ts',
  },
];

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
    files: ['workers/**/*.{ts,tsx}', 'durable-objects/**/*.ts', 'common/**/*.ts'],
    ignores: [...testFiles, 'workers/index.ts'],
    rules: { 'no-restricted-syntax': ['error', ...moduleState, ...oneHelper] },
  },
  {
    // The one implementation.
    files: ['common/git/bytes.ts'],
    rules: { 'no-restricted-syntax': ['error', ...moduleState] },
  },
  {
    files: ['db/**/*.ts', 'ssh-bridge/**/*.ts', 'runner-controller/**/*.ts', 'scripts/**/*.ts'],
    ignores: testFiles,
    rules: { 'no-restricted-syntax': ['error', ...oneHelper] },
  },
  {
    files: testFiles,
    ignores: ['bench/**'],
    rules: { 'no-restricted-syntax': ['error', ...testTiming] },
  },
  {
    files: testFiles,
    rules: {
      'import-x/no-restricted-paths': ['error', { zones }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
