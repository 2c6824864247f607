// Standard Webhooks signatures: HMAC-SHA256 of `${id}.${timestamp}.${body}`, base64, as
// `v1,<signature>`; Web Crypto only, so it runs in Node, workerd, Deno, Bun and browsers.
import { ConfigError, RequestError } from '../errors/index.js';
import type { HeadersLike, VerifyWebhookOptions, WebhookHeaderSource } from './types.js';

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DEFAULT_TOLERANCE_SECONDS = 300;

let encoder: TextEncoder | undefined;
function utf8(text: string): Uint8Array {
  encoder ??= new TextEncoder();
  return encoder.encode(text);
}

/** Standard base64 (with padding) of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}

/** The bytes of a standard base64 text (padding optional), or undefined when it is not base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text) || text.length % 4 === 1) return undefined;
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The key bytes of a secret: `whsec_` + base64 is decoded, any other string is used as UTF-8.
 * Throws a ConfigError (naming `path`) for an empty secret or a `whsec_` secret that is not base64.
 */
export function secretKeyBytes(secret: unknown, path = 'secret'): Uint8Array {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new ConfigError([
      { path, code: 'ERR_LIMITRATE_INVALID_CONFIG', message: `must be a non-empty string, got ${describe(secret)}`, hint: "Use a Standard Webhooks secret, 'whsec_' followed by base64 of at least 24 random bytes" },
    ]);
  }
  if (!secret.startsWith(SECRET_PREFIX)) return utf8(secret);
  const bytes = fromBase64(secret.slice(SECRET_PREFIX.length));
  if (bytes === undefined || bytes.length === 0) {
    throw new ConfigError([
      { path, code: 'ERR_LIMITRATE_INVALID_CONFIG', message: "starts with 'whsec_' but the rest is not base64 key bytes", hint: "Give 'whsec_' + base64 of the key (for example of 32 random bytes), or a secret without the prefix to use its text as the key" },
    ]);
  }
  return bytes;
}

/** An HMAC-SHA256 signing key for Web Crypto. */
export function importHmacKey(keyBytes: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/** Checks an id and a timestamp the way signing needs them (throws a RequestError). */
function checkIdAndTimestamp(id: string, timestamp: number): void {
  if (typeof id !== 'string' || id.length === 0 || id.includes('.')) {
    throw new RequestError(`signWebhook: the message id must be a non-empty string without '.', got ${describe(id)}`, "Use an id such as 'msg_' followed by random letters and digits");
  }
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RequestError(`signWebhook: the timestamp must be whole Unix seconds, got ${describe(timestamp)}`, 'Use Math.floor(Date.now() / 1000)');
  }
}

/** The raw HMAC-SHA256 of the Standard Webhooks signed content. */
export async function signatureBytes(key: CryptoKey, id: string, timestamp: number, body: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8(`${id}.${timestamp}.${body}`)));
}

/**
 * Signs a webhook the Standard Webhooks way: the HMAC-SHA256, keyed by `secret`, of
 * `${id}.${timestamp}.${body}`, as `v1,<base64>` (the value of the `webhook-signature` header).
 * `timestamp` is in Unix seconds; `body` must be the exact bytes sent.
 *
 * @example
 * ```ts
 * const signature = await signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
 * // 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
 * ```
 */
export async function signWebhook(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const keyBytes = secretKeyBytes(secret);
  checkIdAndTimestamp(id, timestamp);
  const key = await importHmacKey(keyBytes);
  return `v1,${toBase64(await signatureBytes(key, id, timestamp, body))}`;
}

/** A header's value from any supported header source, or undefined (arrays: only `join` allows several). */
function readHeader(source: WebhookHeaderSource, name: string, join: boolean): string | undefined {
  if (typeof (source as Partial<HeadersLike>).get === 'function') return (source as HeadersLike).get(name) ?? undefined;
  const record = source as Readonly<Record<string, string | readonly string[] | undefined>>;
  let value = record[name];
  if (value === undefined) {
    for (const key of Object.keys(record)) {
      if (key.toLowerCase() === name) {
        value = record[key];
        break;
      }
    }
  }
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    if (join) return value.join(' ');
    return value.length === 1 ? (value[0] as string) : undefined;
  }
  return undefined;
}

/** Equal byte arrays, compared in time that depends only on the length. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * Verifies a Standard Webhooks request: `true` when `webhook-timestamp` is within
 * `toleranceSeconds` of now (default 5 minutes, either way) and one of the space-separated
 * `v1,` signatures in `webhook-signature` is the HMAC of `${webhook-id}.${webhook-timestamp}.${body}`
 * under `secret` (or under any of several secrets, during a rotation). Compares in constant
 * time. Returns `false`, never throws, for missing, malformed or stale headers; throws a
 * ConfigError only for an unusable secret. `body` must be the raw request body, not re-serialised JSON.
 *
 * @example
 * ```ts
 * const body = await request.text();
 * if (!(await verifyWebhook(secret, request.headers, body))) return new Response('bad signature', { status: 401 });
 * const { data } = JSON.parse(body);
 * ```
 */
export async function verifyWebhook(secret: string | readonly string[], headers: WebhookHeaderSource, body: string, options: VerifyWebhookOptions = {}): Promise<boolean> {
  const secrets = typeof secret === 'string' ? [secret] : [...secret];
  if (secrets.length === 0) secretKeyBytes(undefined);
  const keys = secrets.map((s, i) => secretKeyBytes(s, typeof secret === 'string' ? 'secret' : `secret[${i}]`));
  if (typeof body !== 'string' || headers === null || typeof headers !== 'object') return false;

  const id = readHeader(headers, 'webhook-id', false);
  const stamp = readHeader(headers, 'webhook-timestamp', false);
  const signatures = readHeader(headers, 'webhook-signature', true);
  if (id === undefined || id.length === 0 || stamp === undefined || signatures === undefined) return false;
  if (!/^\d{1,15}$/.test(stamp)) return false;
  const timestamp = Number(stamp);

  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowMs = options.now ?? Date.now();
  if (!(tolerance >= 0) || !Number.isFinite(nowMs)) return false;
  if (Math.abs(Math.floor(nowMs / 1000) - timestamp) > tolerance) return false;

  const candidates: Uint8Array[] = [];
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const bytes = fromBase64(entry.slice(comma + 1));
    if (bytes !== undefined && bytes.length > 0) candidates.push(bytes);
  }
  if (candidates.length === 0) return false;

  let valid = false;
  for (const keyBytes of keys) {
    const expected = await signatureBytes(await importHmacKey(keyBytes), id, timestamp, body);
    for (const candidate of candidates) {
      // No early exit: every candidate is compared, so timing says nothing about which matched.
      if (constantTimeEqual(expected, candidate)) valid = true;
    }
  }
  return valid;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a ${value.length}-character string` : JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  return value === null ? 'null' : typeof value;
}
