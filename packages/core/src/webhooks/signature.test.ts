// Standard Webhooks signing and verification: the spec's test vector, tampering, stale
// timestamps, multiple signatures, secret formats and header sources.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, RequestError } from '../errors/index.js';
import { fromBase64, signWebhook, toBase64, verifyWebhook } from './signature.js';

// The test vector of the Standard Webhooks reference library, test "sign function works" in
// https://github.com/standard-webhooks/standard-webhooks/blob/main/libraries/javascript/src/webhook.test.ts
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const AT_VECTOR = { now: VECTOR.timestamp * 1000 };

function headers(id: string, timestamp: number | string, signature: string) {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
}

describe('signWebhook', () => {
  it('matches the Standard Webhooks test vector', async () => {
    expect(await signWebhook(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it('is HMAC-SHA256 of `${id}.${timestamp}.${body}` keyed by the base64-decoded whsec_ secret', async () => {
    const key = Buffer.from('c2VjcmV0LWtleS1ieXRlcy0wMTIzNDU2Nzg5', 'base64');
    const body = '{"type":"limitrate.events","data":{"events":[{"user":"é"}]}}';
    const expected = createHmac('sha256', key).update(`msg_1.1700000000.${body}`).digest('base64');
    expect(await signWebhook('whsec_c2VjcmV0LWtleS1ieXRlcy0wMTIzNDU2Nzg5', 'msg_1', 1700000000, body)).toBe(`v1,${expected}`);
  });

  it('uses a secret without the whsec_ prefix as its UTF-8 bytes', async () => {
    const expected = createHmac('sha256', Buffer.from('plain text secret ✓', 'utf8')).update('msg_2.1700000000.{}').digest('base64');
    expect(await signWebhook('plain text secret ✓', 'msg_2', 1700000000, '{}')).toBe(`v1,${expected}`);
  });

  it('refuses unusable secrets, ids and timestamps with coded errors', async () => {
    await expect(signWebhook('', 'msg_1', 1, '{}')).rejects.toBeInstanceOf(ConfigError);
    await expect(signWebhook('whsec_not base64!', 'msg_1', 1, '{}')).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'secret' });
    await expect(signWebhook('whsec_', 'msg_1', 1, '{}')).rejects.toBeInstanceOf(ConfigError);
    await expect(signWebhook(VECTOR.secret, 'msg.1', 1, '{}')).rejects.toBeInstanceOf(RequestError);
    await expect(signWebhook(VECTOR.secret, '', 1, '{}')).rejects.toBeInstanceOf(RequestError);
    await expect(signWebhook(VECTOR.secret, 'msg_1', 1.5, '{}')).rejects.toBeInstanceOf(RequestError);
    await expect(signWebhook(VECTOR.secret, 'msg_1', -1, '{}')).rejects.toBeInstanceOf(RequestError);
  });

  it('never puts the secret in an error message', async () => {
    const error = await signWebhook('whsec_sup3r-s3cret!', 'msg_1', 1, '{}').catch((e: unknown) => e);
    expect(String((error as Error).message)).not.toContain('sup3r');
  });
});

describe('verifyWebhook', () => {
  const good = headers(VECTOR.id, VECTOR.timestamp, VECTOR.signature);

  it('accepts the Standard Webhooks test vector (without the whsec_ prefix the text itself is the key)', async () => {
    expect(await verifyWebhook(VECTOR.secret, good, VECTOR.body, AT_VECTOR)).toBe(true);
    // Without the prefix the string itself is the key (not its base64 decoding): a different key.
    expect(await verifyWebhook(VECTOR.secret.slice('whsec_'.length), good, VECTOR.body, AT_VECTOR)).toBe(false);
  });

  it('rejects a wrong secret, a tampered body, id or timestamp', async () => {
    expect(await verifyWebhook('whsec_' + Buffer.from('another key of 24 bytes!').toString('base64'), good, VECTOR.body, AT_VECTOR)).toBe(false);
    expect(await verifyWebhook(VECTOR.secret, good, '{"test": 2432232315}', AT_VECTOR)).toBe(false);
    expect(await verifyWebhook(VECTOR.secret, good, `${VECTOR.body} `, AT_VECTOR)).toBe(false);
    expect(await verifyWebhook(VECTOR.secret, { ...good, 'webhook-id': 'msg_other' }, VECTOR.body, AT_VECTOR)).toBe(false);
    expect(await verifyWebhook(VECTOR.secret, { ...good, 'webhook-timestamp': String(VECTOR.timestamp + 1) }, VECTOR.body, { now: (VECTOR.timestamp + 1) * 1000 })).toBe(false);
  });

  it('rejects timestamps outside the tolerance, either way (default 5 minutes)', async () => {
    const t = VECTOR.timestamp * 1000;
    expect(await verifyWebhook(VECTOR.secret, good, VECTOR.body, { now: t + 300_000 })).toBe(true);
    expect(await verifyWebhook(VECTOR.secret, good, VECTOR.body, { now: t + 301_000 })).toBe(false);
    expect(await verifyWebhook(VECTOR.secret, good, VECTOR.body, { now: t - 301_000 })).toBe(false);
    expect(await verifyWebhook(VECTOR.secret, good, VECTOR.body, { now: t + 3_000, toleranceSeconds: 2 })).toBe(false);
    expect(await verifyWebhook(VECTOR.secret, good, VECTOR.body, { now: t + 3_000, toleranceSeconds: 3 })).toBe(true);
    // With the real clock the 2021 vector is long stale.
    expect(await verifyWebhook(VECTOR.secret, good, VECTOR.body)).toBe(false);
  });

  it('accepts a fresh signature with the real clock', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sig = await signWebhook(VECTOR.secret, 'msg_fresh', now, '{"a":1}');
    expect(await verifyWebhook(VECTOR.secret, headers('msg_fresh', now, sig), '{"a":1}')).toBe(true);
  });

  it('accepts any one of several space-separated signatures, skipping other schemes and junk', async () => {
    const list = ['v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=', 'v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=', 'v1a,abc', 'junk', VECTOR.signature, 'v1,'];
    expect(await verifyWebhook(VECTOR.secret, { ...good, 'webhook-signature': list.join(' ') }, VECTOR.body, AT_VECTOR)).toBe(true);
    expect(await verifyWebhook(VECTOR.secret, { ...good, 'webhook-signature': list.filter((s) => s !== VECTOR.signature).join(' ') }, VECTOR.body, AT_VECTOR)).toBe(false);
  });

  it('accepts any one of several secrets (rotation)', async () => {
    const old = 'whsec_' + Buffer.from('the old key, 24 bytes ok').toString('base64');
    expect(await verifyWebhook([old, VECTOR.secret], good, VECTOR.body, AT_VECTOR)).toBe(true);
    expect(await verifyWebhook([old], good, VECTOR.body, AT_VECTOR)).toBe(false);
  });

  it('returns false for missing or malformed headers', async () => {
    const { 'webhook-id': _id, ...noId } = good;
    expect(await verifyWebhook(VECTOR.secret, noId as never, VECTOR.body, AT_VECTOR)).toBe(false);
    expect(await verifyWebhook(VECTOR.secret, { ...good, 'webhook-timestamp': 'hello' }, VECTOR.body, AT_VECTOR)).toBe(false);
    expect(await verifyWebhook(VECTOR.secret, { ...good, 'webhook-timestamp': '' }, VECTOR.body, AT_VECTOR)).toBe(false);
    expect(await verifyWebhook(VECTOR.secret, { ...good, 'webhook-signature': VECTOR.signature.slice(0, 8) }, VECTOR.body, AT_VECTOR)).toBe(false);
    expect(await verifyWebhook(VECTOR.secret, { ...good, 'webhook-signature': 'v1,' }, VECTOR.body, AT_VECTOR)).toBe(false);
    expect(await verifyWebhook(VECTOR.secret, { ...good, 'webhook-signature': 'v1,dawfeoifkpqwoekfpqoekf' }, VECTOR.body, AT_VECTOR)).toBe(false);
    expect(await verifyWebhook(VECTOR.secret, null as never, VECTOR.body, AT_VECTOR)).toBe(false);
  });

  it('throws a ConfigError for an unusable secret (a programming error, not a bad request)', async () => {
    await expect(verifyWebhook('', good, VECTOR.body, AT_VECTOR)).rejects.toBeInstanceOf(ConfigError);
    await expect(verifyWebhook([], good, VECTOR.body, AT_VECTOR)).rejects.toBeInstanceOf(ConfigError);
    await expect(verifyWebhook(['whsec_%%%'], good, VECTOR.body, AT_VECTOR)).rejects.toMatchObject({ path: 'secret[0]' });
  });

  it('reads a Fetch API Headers object and Node-style header records, case-insensitively', async () => {
    const fetchHeaders = new Headers({ 'Webhook-Id': VECTOR.id, 'Webhook-Timestamp': String(VECTOR.timestamp), 'Webhook-Signature': VECTOR.signature });
    expect(await verifyWebhook(VECTOR.secret, fetchHeaders, VECTOR.body, AT_VECTOR)).toBe(true);
    const nodeStyle: Record<string, string | string[] | undefined> = { 'WEBHOOK-ID': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': ['v1,AAAA', VECTOR.signature], host: 'x' };
    expect(await verifyWebhook(VECTOR.secret, nodeStyle, VECTOR.body, AT_VECTOR)).toBe(true);
    // Two ids or two timestamps are ambiguous: refused.
    expect(await verifyWebhook(VECTOR.secret, { ...nodeStyle, 'WEBHOOK-ID': [VECTOR.id, VECTOR.id] }, VECTOR.body, AT_VECTOR)).toBe(false);
  });
});

describe('base64 helpers', () => {
  it('round-trip every byte value and refuse non-base64', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    expect([...fromBase64(toBase64(bytes))!]).toEqual([...bytes]);
    expect(fromBase64('abc')).toEqual(new Uint8Array(Buffer.from('abc', 'base64')));
    expect(fromBase64('a')).toBeUndefined();
    expect(fromBase64('ab$=')).toBeUndefined();
    expect(fromBase64('ab-_')).toBeUndefined();
  });
});
