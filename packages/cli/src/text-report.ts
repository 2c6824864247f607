// Panels as plain text for `inspect`: ANSI styles when colour is on, none otherwise.
import type { Line, Panel, Segment, Tone } from './panels/model.js';

const TONE_CODES: Record<Tone, string> = { good: '32', bad: '31', warn: '33', muted: '90', accent: '36' };

function styled(s: Segment, color: boolean): string {
  if (!color) return s.text;
  const codes: string[] = [];
  if (s.bold) codes.push('1');
  if (s.inverse) codes.push('7');
  if (s.tone !== undefined) codes.push(TONE_CODES[s.tone]);
  return codes.length === 0 || s.text === '' ? s.text : `\u001b[${codes.join(';')}m${s.text}\u001b[0m`;
}

/**
 * A line as text.
 *
 * @example
 * ```ts
 * renderLine([seg('● Online', { tone: 'good' })], true); // '\u001b[32m● Online\u001b[0m'
 * ```
 */
export function renderLine(line: Line, color: boolean): string {
  return line.map((s) => styled(s, color)).join('').trimEnd();
}

/**
 * The header and panels as text: each panel's title, then its lines indented by two
 * spaces, a blank line between panels.
 *
 * @example
 * ```ts
 * process.stdout.write(renderText(headerLines(h), buildPanels(view, { width: 98 }), { color: false }));
 * ```
 */
export function renderText(header: readonly Line[], panels: readonly Panel[], options: { color: boolean }): string {
  const { color } = options;
  const out: string[] = header.map((l) => renderLine(l, color));
  for (const p of panels) {
    out.push('');
    const title: Segment = { text: ` ${p.title} `, bold: true, tone: p.tone ?? 'accent', ...(p.inverse ? { inverse: true } : {}) };
    const note: Segment[] = p.note === undefined ? [] : [{ text: ` ${p.note}`, tone: 'muted' }];
    out.push(renderLine([title, ...note], color));
    for (const l of p.lines) out.push(renderLine([{ text: '  ' }, ...l], color));
  }
  return `${out.join('\n')}\n`;
}
