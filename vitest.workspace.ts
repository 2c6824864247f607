// The test projects of the monorepo. vitest 4 no longer reads this file by itself: the
// root vitest.config.ts imports it, so this stays the one list to edit.
export default ['packages/*/vitest.config.ts', 'benchmarks/vitest.config.ts', 'apps/examples/*/vitest.config.ts', 'docs/examples/vitest.config.mts'];
