// What the webhook sender needs from HTTP: releasing a response without reading its body,
// reading Retry-After, and a one-line description of a failed request.

/** Longest `Retry-After` honoured. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Releases a response's connection without reading an unbounded body. */
export async function discardBody(response: { body: { cancel(reason?: unknown): Promise<void> } | null; text(): Promise<string> }): Promise<void> {
  try {
    if (response.body !== null && response.body !== undefined && typeof response.body.cancel === 'function') await response.body.cancel();
    else await response.text();
  } catch {
    // The status is all that matters.
  }
}

/** `Retry-After` as milliseconds from now: delay-seconds or an HTTP date; capped; undefined when absent or unusable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    // An HTTP date names a weekday and a month; anything else (a negative number...) is ignored.
    if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
    const date = Date.parse(text);
    if (Number.isNaN(date)) return undefined;
    ms = date - nowMs;
  }
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `${(cause as { code?: unknown }).code ?? cause.message}` : undefined;
    return detail === undefined || error.message.includes(detail) ? error.message : `${error.message} (${detail})`;
  }
  return typeof error === 'string' ? error : 'the request failed';
}
