// Redis keys and values are bytes: the mocks keep them as "binary strings" (one char per
// byte, 0-255), converted from and to the strings and buffers clients send and receive.

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** Bytes as a binary string (one char per byte). */
export function bytesToBinary(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return out;
}

/** A binary string's bytes. */
export function binaryToBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

/** The UTF-8 bytes of `text` as a binary string (a lone surrogate becomes U+FFFD, as Node and fetch send it). */
export function utf8ToBinary(text: string): string {
  // ASCII, the common case, is its own encoding.
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  return bytesToBinary(encoder.encode(text));
}

/** A binary string read as UTF-8 (invalid sequences become U+FFFD, as clients decode them). */
export function binaryToUtf8(text: string): string {
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  return decoder.decode(binaryToBytes(text));
}

/** What a client may pass as a command argument. */
export type CommandArg = string | number | Uint8Array;

/** A command argument as a binary string: strings as UTF-8, numbers in decimal, bytes as they are. */
export function argToBinary(arg: CommandArg): string {
  if (typeof arg === 'string') return utf8ToBinary(arg);
  if (typeof arg === 'number') return String(arg);
  return bytesToBinary(arg);
}
