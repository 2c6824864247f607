// Root test configuration: runs every project listed in vitest.workspace.ts.
import { defineConfig } from 'vitest/config';
import projects from './vitest.workspace.ts';

export default defineConfig({
  test: {
    projects,
  },
});
