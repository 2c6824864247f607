// Child process of ci-render.test.ts: renders the built Dashboard with ink-testing-library,
// from a report in a JSON file, and prints the frame once the tables are on it.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { clearInterval, setInterval } from 'node:timers';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { Dashboard } from '../dist/index.js';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const source = { describe: 'fixture://child', fetch: async () => report, close: async () => {} };
const app = render(createElement(Dashboard, { source, color: false }));
const deadline = Date.now() + 10_000;
const timer = setInterval(() => {
  const frame = app.lastFrame() ?? '';
  if (frame.includes('RECENT BLOCKS') || Date.now() > deadline) {
    clearInterval(timer);
    app.unmount();
    process.stdout.write(frame);
  }
}, 10);
