// The platform APIs core may use: Web-standard globals present in Node, workerd, Deno and
// browsers. Core compiles without @types/node so that a `node:` import cannot slip in.

declare function setTimeout(handler: () => void, timeout?: number): unknown;
declare function clearTimeout(id: unknown): void;
declare function setInterval(handler: () => void, timeout?: number): unknown;
declare function clearInterval(id: unknown): void;
declare function queueMicrotask(callback: () => void): void;

declare const console: {
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
  info(...data: unknown[]): void;
};

declare const performance: { now(): number } | undefined;
