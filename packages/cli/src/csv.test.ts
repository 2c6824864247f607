// Unit tests of the CSV export: quoting, formula neutralising, every table, file names and writing.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleReport } from '../test/fixtures.js';
import { buildCsv, CSV_COLUMNS, csvField } from './csv.js';
import { exportCsv, exportFileName } from './export-csv.js';
import { NO_FILTER, parseFilterLine } from './filter.js';
import { viewOf } from './view.js';

/** Parses CSV text (RFC 4180) back into rows, to check the quoting round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

describe('csv', () => {
  it('quotes commas, quotes and line breaks; neutralises formulas; writes numbers as they are', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField('@user')).toBe("'@user");
    expect(csvField(-3)).toBe('-3');
    expect(csvField(0.000123)).toBe('0.000123');
    expect(csvField(null)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
  });

  it('has a table column, then every table: endpoints, plans, users, blocks', () => {
    const rows = parseCsv(buildCsv(viewOf(sampleReport(), NO_FILTER)));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const col = (name: string) => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
    const tables = rows.slice(1).map((r) => r[col('table')]);
    expect(tables).toEqual(['endpoints', 'endpoints', 'plans', 'plans', 'users', 'users', 'users', 'blocks', 'blocks']);
    const chat = rows.find((r) => r[col('table')] === 'endpoints' && r[col('endpoint')] === 'POST|/api/chat')!;
    expect(chat[col('requests')]).toBe('300');
    expect(chat[col('blocked')]).toBe('10');
    const alice = rows.find((r) => r[col('user')] === 'alice' && r[col('table')] === 'users')!;
    expect(alice[col('plan')]).toBe('free');
    expect(alice[col('cost')]).toBe('0.3');
    const blocked = rows.filter((r) => r[col('table')] === 'blocks');
    expect(blocked[1]![col('message')]).toBe('Cost cap reached ($1.00/$1.00)');
    expect(blocked[1]![col('retryAfterSeconds')]).toBe('');
    expect(blocked[0]![col('at')]).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(rows.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
  });

  it('round-trips hostile names', () => {
    const report = sampleReport();
    const hostile = 'eve,"quoted"\r\nnext';
    const view = viewOf({ ...report, users: [{ ...report.users[0]!, user: hostile }] }, NO_FILTER);
    const rows = parseCsv(buildCsv(view));
    const users = rows.filter((r) => r[0] === 'users');
    expect(users[0]![CSV_COLUMNS.indexOf('user')]).toBe(hostile);
  });

  it('exports what the view shows (the bare-text filter applied)', () => {
    const rows = parseCsv(buildCsv(viewOf(sampleReport(), parseFilterLine('chat'))));
    expect(rows.slice(1).filter((r) => r[0] === 'endpoints').map((r) => r[CSV_COLUMNS.indexOf('endpoint')])).toEqual(['POST|/api/chat']);
    expect(rows.slice(1).filter((r) => r[0] === 'users')).toEqual([]);
  });
});

describe('exportCsv', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('names the file after the range and the local time', () => {
    expect(exportFileName('hour', new Date(2025, 0, 2, 14, 23, 45))).toBe('limitrate-hour-20250102-142345.csv');
    expect(exportFileName('now', new Date(2025, 0, 2, 14, 23, 45), 2)).toBe('limitrate-now-20250102-142345-2.csv');
  });

  it('writes the CSV (creating the directory) and never overwrites an export of the same second', async () => {
    dir = await mkdtemp(join(tmpdir(), 'limitrate-cli-'));
    const view = viewOf(sampleReport(), NO_FILTER);
    const date = new Date(2025, 0, 2, 14, 23, 45);
    const first = await exportCsv(view, { dir: join(dir, 'nested'), range: 'now', date });
    const second = await exportCsv(view, { dir: join(dir, 'nested'), range: 'now', date });
    expect(basename(first)).toBe('limitrate-now-20250102-142345.csv');
    expect(basename(second)).toBe('limitrate-now-20250102-142345-2.csv');
    expect(await readFile(first, 'utf8')).toBe(buildCsv(view));
  });

  it('fails with a coded error when the directory cannot be made', async () => {
    dir = await mkdtemp(join(tmpdir(), 'limitrate-cli-'));
    const file = join(dir, 'file');
    await writeFile(file, 'x');
    await expect(exportCsv(viewOf(sampleReport(), NO_FILTER), { dir: join(file, 'sub'), range: 'now', date: new Date() })).rejects.toMatchObject({
      code: 'ERR_LIMITRATE_CLI_EXPORT',
    });
  });
});
