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

declare const performance: { now(): number; readonly timeOrigin?: number } | undefined;

// Webhooks (src/webhooks/): HMAC signing with Web Crypto, and POSTs with fetch + AbortController.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare function btoa(data: string): string;
declare function atob(data: string): string;

interface CryptoKey {
  readonly type: string;
}
declare const crypto: {
  readonly subtle: {
    importKey(format: 'raw', keyData: Uint8Array, algorithm: { name: 'HMAC'; hash: 'SHA-256' }, extractable: boolean, keyUsages: readonly 'sign'[]): Promise<CryptoKey>;
    sign(algorithm: 'HMAC', key: CryptoKey, data: Uint8Array): Promise<ArrayBuffer>;
  };
  randomUUID(): string;
};

interface AbortSignal {
  readonly aborted: boolean;
}
declare class AbortController {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}

declare function fetch(
  input: string,
  init?: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    signal?: AbortSignal;
    redirect?: 'follow' | 'manual' | 'error';
  },
): Promise<{
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: { cancel(reason?: unknown): Promise<void> } | null;
  text(): Promise<string>;
}>;

// Loading a store package named in the configuration (src/stores/deferred.ts): CommonJS's
// module object in core's .cjs build (its require resolves from core), absent in its ESM build.
declare const module: { require(id: string): unknown } | undefined;

// Batching decisions to the end of an event-loop turn (src/stores/redis-batch.ts): Node's
// setImmediate where there is one.
declare const setImmediate: ((callback: () => void) => unknown) | undefined;
