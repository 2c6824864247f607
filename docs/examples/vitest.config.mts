// Test project for the testing guide's examples (docs/testing.md quotes these files verbatim;
// packages/core/test/docs.test.ts checks that they are quoted as they are).
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'docs-testing',
    include: ['testing-*.test.ts'],
    environment: 'node',
  },
});
