// The live dashboard (ink): panels of the latest report, refreshed every interval, with keys
// to refresh, filter, change the range, export CSV and quit; alerts highlighted and sent to a webhook.
import { Box, Text, useApp, useInput, useStdin } from 'ink';
import { useMemo, useRef, useState } from 'react';
import type { AlertRule } from '../alerts.js';
import { CliError, messageOf } from '../errors.js';
import { exportCsv } from '../export-csv.js';
import { describeFilter, NO_FILTER, parseFilterLine, type ViewFilter } from '../filter.js';
import { formatClock, formatCount } from '../format.js';
import { buildPanels } from '../panels/build.js';
import { headerLines, rangeLabel } from '../panels/header.js';
import { nextRange, queryOf } from '../query.js';
import type { ReportRange } from '../report-types.js';
import type { ReportSource } from '../sources/types.js';
import { displayWidth } from '../text.js';
import { viewOf } from '../view.js';
import { FilterPrompt } from './FilterPrompt.js';
import { fitRows } from './fit.js';
import { LineView } from './LineView.js';
import { PanelView } from './PanelView.js';
import { StatusLines, type StatusItem } from './StatusLines.js';
import { useAlerts } from './use-alerts.js';
import { useReports } from './use-reports.js';
import { useTerminalSize } from './use-terminal-size.js';

/** Props of the Dashboard. */
export interface DashboardProps {
  /** Where the reports come from. */
  source: ReportSource;
  /** The range shown first (default `now`); `h` cycles now → hour → day. */
  range?: ReportRange;
  /** The filter applied first; `f` changes it. */
  filter?: ViewFilter;
  /** Rows per table asked of the source (default 10). */
  top?: number;
  /** Recent blocks asked of the source (default 20). */
  blocks?: number;
  /** Refresh every (ms, default 5,000). */
  intervalMs?: number;
  /** Alert rules (from `parseAlert`). */
  alerts?: readonly AlertRule[];
  /** POSTed JSON when an alert starts firing and when it clears. */
  webhookUrl?: string;
  /** Give up on a webhook POST after (ms, default 5,000). */
  webhookTimeoutMs?: number;
  /** Where `e` writes the CSV (default the working directory). */
  exportDir?: string;
  /** Colours (default true); false for --no-color / NO_COLOR. */
  color?: boolean;
  /** Called when the user quits (q, Ctrl-C), before ink exits. */
  onQuit?: () => void;
  /** The clock (default Date.now). */
  now?: () => number;
}

type Prompt = { text: string; error: string | undefined };

const segmenter = new Intl.Segmenter();

function dropLast(text: string): string {
  const parts = [...segmenter.segment(text)];
  parts.pop();
  return parts.map((p) => p.segment).join('');
}

/**
 * The live dashboard. Render it with ink's `render` (the `limitrate dashboard` command does,
 * see `runDashboard`); it fetches from `source` itself and never throws on a failing source.
 *
 * @example
 * ```tsx
 * import { render } from 'ink';
 * import { Dashboard, createHttpSource } from '@limitrate/cli';
 *
 * const source = createHttpSource({ url: 'http://127.0.0.1:3000/limitrate', token: process.env.LIMITRATE_TOKEN });
 * const app = render(<Dashboard source={source} intervalMs={2000} />);
 * await app.waitUntilExit();
 * await source.close();
 * ```
 */
export function Dashboard(props: DashboardProps) {
  const { source, top = 10, blocks = 20, intervalMs = 5000, alerts = [], webhookUrl, webhookTimeoutMs = 5000, exportDir = '.', color = true, onQuit, now = Date.now } = props;
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const { columns, rows } = useTerminalSize();
  const [range, setRange] = useState<ReportRange>(props.range ?? 'now');
  const [filter, setFilter] = useState<ViewFilter>(props.filter ?? NO_FILTER);
  const [prompt, setPromptState] = useState<Prompt | null>(null);
  // Keys can arrive faster than React re-renders (typing, pasting, ink re-attaching its input
  // listener after a render): the handler reads the prompt from this ref, kept in step at once.
  const promptRef = useRef<Prompt | null>(null);
  const setPrompt = (next: Prompt | null) => {
    promptRef.current = next;
    setPromptState(next);
  };
  const [notice, setNotice] = useState<StatusItem | null>(null);

  const query = useMemo(() => queryOf(range, filter, top, blocks), [range, filter, top, blocks]);
  const { state, key, refresh } = useReports(source, query, intervalMs, now);
  const { statuses, since, webhook } = useAlerts(state.report, alerts, { webhookUrl, webhookTimeoutMs, source: source.describe, now });
  const view = useMemo(() => (state.report === null ? null : viewOf(state.report, filter)), [state.report, filter]);

  const quit = () => {
    onQuit?.();
    exit();
  };

  const viewRef = useRef(view);
  viewRef.current = view;
  const exportNow = () => {
    const view = viewRef.current;
    if (view === null) {
      setNotice({ text: 'nothing to export yet: no report received', tone: 'warn' });
      return;
    }
    const rowCount = view.endpoints.length + view.plans.length + view.users.length + view.blocks.length;
    exportCsv(view, { dir: exportDir, range: view.report.range.name, date: new Date(now()) }).then(
      (path) => setNotice({ text: `exported ${formatCount(rowCount)} rows to ${path}`, tone: 'good' }),
      (error: unknown) => setNotice({ text: `export failed: ${messageOf(error)}`, tone: 'bad' }),
    );
  };

  useInput(
    (input, k) => {
      if (k.ctrl && input === 'c') {
        quit();
        return;
      }
      const prompt = promptRef.current;
      if (prompt !== null) {
        if (k.escape) setPrompt(null);
        else if (k.return) {
          try {
            const next = parseFilterLine(prompt.text);
            setFilter(next);
            setPrompt(null);
            const text = describeFilter(next);
            setNotice({ text: text === '' ? 'filter cleared' : `filter: ${text}`, tone: 'muted' });
          } catch (error) {
            setPrompt({ text: prompt.text, error: error instanceof CliError ? error.message : messageOf(error) });
          }
        } else if (k.backspace || k.delete) setPrompt({ text: dropLast(prompt.text), error: undefined });
        else if (input !== '' && !k.ctrl && !k.meta && !k.tab && !k.upArrow && !k.downArrow && !k.leftArrow && !k.rightArrow) {
          const typed = input.replace(/[\u0000-\u001f\u007f]/g, '');
          if (typed !== '') setPrompt({ text: prompt.text + typed, error: undefined });
        }
        return;
      }
      switch (input) {
        case 'q':
          quit();
          break;
        case 'r':
          refresh();
          break;
        case 'h':
          setRange((r) => nextRange(r));
          break;
        case 'f':
          setPrompt({ text: '', error: undefined });
          break;
        case 'e':
          exportNow();
          break;
      }
    },
    { isActive: isRawModeSupported },
  );

  const width = Math.max(20, columns - 1);
  const failure = state.failure;
  const header = headerLines({
    title: 'LimitRate Live Dashboard',
    source: source.describe,
    range,
    filter,
    updatedAt: state.updatedAt,
    stale: failure !== null && state.report !== null,
    width,
  });

  const items: StatusItem[] = [];
  if (failure !== null) {
    const what = failure.code === 'ERR_LIMITRATE_CLI_UNREACHABLE' || failure.code === 'ERR_LIMITRATE_CLI_TIMEOUT' ? 'source unreachable' : 'source failing';
    const tries = failure.attempts > 1 ? `, ${failure.attempts} attempts` : '';
    items.push({ text: `${what} since ${formatClock(failure.since)}${tries}: ${failure.message} (retrying every ${intervalMs >= 1000 ? `${intervalMs / 1000}s` : `${intervalMs}ms`})`, tone: 'bad' });
  }
  if (state.report !== null && state.reportKey !== key) items.push({ text: `loading ${rangeLabel(range)}${describeFilter(filter) ? ` for ${describeFilter(filter)}` : ''}…`, tone: 'muted' });
  if (notice !== null) items.push(notice);
  if (webhook !== null) items.push({ text: webhook.text, tone: webhook.ok ? 'good' : 'bad' });
  if (alerts.length > 0 && state.report !== null && statuses.every((s) => !s.firing)) {
    items.push({ text: `alerts: ${alerts.length} watched, none firing`, tone: 'good' });
  }

  const statusHeight = 1 + items.reduce((sum, item) => sum + Math.max(1, Math.ceil((displayWidth(item.text) + 1) / Math.max(1, columns))), 0) + (prompt === null ? 0 : 2);
  const limit = Math.max(top, blocks, 1);
  const build = (maxRows: number) => ({ header, panels: view === null ? [] : buildPanels(view, { width: width - 2, maxRows, alerts: statuses, alertSince: since }) });
  const maxRows = view === null ? limit : fitRows(rows === undefined ? undefined : rows - 1, limit, statusHeight, build);
  const { panels } = build(maxRows);

  return (
    <Box flexDirection="column" width={columns}>
      {header.map((line, i) => (
        <LineView key={i} line={line} color={color} />
      ))}
      {view === null ? (
        <Text color={color ? 'gray' : undefined}>{failure === null ? ` connecting to ${source.describe}…` : ' no report yet'}</Text>
      ) : (
        panels.map((panel) => <PanelView key={panel.id} panel={panel} color={color} />)
      )}
      {prompt === null ? null : <FilterPrompt text={prompt.text} error={prompt.error} color={color} />}
      <StatusLines keys={isRawModeSupported} items={items} color={color} />
    </Box>
  );
}
