// Fetches reports from the source every interval, at once on a new query or `refresh()`, and
// keeps the last good report on screen when a fetch fails (with the error and since when).
import { useCallback, useEffect, useRef, useState } from 'react';
import { CliError, messageOf } from '../errors.js';
import type { AnalyticsReport, ReportQuery } from '../report-types.js';
import type { ReportSource } from '../sources/types.js';

/** A failing source: the last error, and since when it has been failing. */
export interface SourceFailure {
  message: string;
  code: string | undefined;
  /** ms of the first failure in a row. */
  since: number;
  /** Failures in a row. */
  attempts: number;
}

/** What the dashboard knows about its source. */
export interface ReportsState {
  /** The last report fetched (kept when later fetches fail). */
  report: AnalyticsReport | null;
  /** The query that report answers (JSON), to tell when it no longer matches the one asked. */
  reportKey: string | null;
  /** When it was fetched (ms). */
  updatedAt: number | null;
  failure: SourceFailure | null;
}

/**
 * Polls `source` with `query` every `intervalMs`, one fetch at a time; a new query or a
 * `refresh()` fetches at once (a fetch still running for the old query is ignored).
 *
 * @example
 * ```tsx
 * const { state, refresh } = useReports(source, query, 5000, Date.now);
 * ```
 */
export function useReports(source: ReportSource, query: ReportQuery, intervalMs: number, now: () => number): { state: ReportsState; key: string; refresh: () => void } {
  const key = JSON.stringify(query);
  const [state, setState] = useState<ReportsState>({ report: null, reportKey: null, updatedAt: null, failure: null });
  const [nonce, setNonce] = useState(0);
  const queryRef = useRef(query);
  queryRef.current = query;
  const nowRef = useRef(now);
  nowRef.current = now;

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const report = await source.fetch(queryRef.current);
        if (cancelled) return;
        setState({ report, reportKey: key, updatedAt: nowRef.current(), failure: null });
      } catch (error) {
        if (cancelled) return;
        setState((s) => ({
          ...s,
          failure: {
            message: messageOf(error),
            code: error instanceof CliError ? error.code : undefined,
            since: s.failure?.since ?? nowRef.current(),
            attempts: (s.failure?.attempts ?? 0) + 1,
          },
        }));
      }
      if (!cancelled) timer = setTimeout(() => void run(), intervalMs);
    };
    void run();
    return () => {
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [source, key, intervalMs, nonce]);

  const refresh = useCallback(() => setNonce((n) => n + 1), []);
  return { state, key, refresh };
}
