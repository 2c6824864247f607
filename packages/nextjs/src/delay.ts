// The slowdown action's wait, cut short when the client goes away.

/**
 * Resolves `true` after `ms`, or `false` as soon as `signal` aborts (the client left: the
 * slowed-down request is not served).
 */
export function delay(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
