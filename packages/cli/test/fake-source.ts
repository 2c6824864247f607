// Test helper: a ReportSource answering from a function, recording every query.
import type { AnalyticsReport, ReportQuery } from '@limitrate/core';
import type { ReportSource } from '../src/sources/types.js';

/** A fake source and what it was asked. */
export interface FakeSource extends ReportSource {
  readonly queries: ReportQuery[];
  closed: boolean;
}

/** A source whose `answer` gives the report (or throws) for the n-th query (0-based). */
export function fakeSource(answer: (query: ReportQuery, n: number) => AnalyticsReport | Promise<AnalyticsReport>, describe = 'fixture://app'): FakeSource {
  const queries: ReportQuery[] = [];
  const source: FakeSource = {
    describe,
    queries,
    closed: false,
    async fetch(query) {
      queries.push(structuredClone(query));
      return answer(query, queries.length - 1);
    },
    async close() {
      source.closed = true;
    },
  };
  return source;
}

/** Waits until `check` stops throwing (polling every 10 ms), up to `timeoutMs`; then throws its last error. */
export async function waitFor(check: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** Text without ANSI escape sequences. */
export function plain(text: string | undefined): string {
  return (text ?? '').replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}
