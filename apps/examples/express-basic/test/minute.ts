// Test helper: traffic that must fall in one per-minute window waits out a minute's last seconds.

/** Waits out the last 5 seconds of a minute, so that what follows (a few hundred ms) stays in one window. */
export async function clearOfMinuteEnd(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 5000) await new Promise((r) => setTimeout(r, left + 200));
}
