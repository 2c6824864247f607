// The bits of Lua 5.1 (Redis's Lua) that the consume script's arithmetic depends on, in
// JavaScript: tonumber() on argument and state text, and the script's number formatting.

/** Lua's whitespace (C isspace in the C locale). */
const SPACE = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const HEX = /^0[xX][0-9a-fA-F]+$/;
const INF = /^([+-]?)inf(inity)?$/i;
const NAN = /^[+-]?nan$/i;

/**
 * Lua 5.1's `tonumber(s)` for a string (C `strtod` plus hexadecimal integers): `undefined`
 * where Lua gives nil (an empty or malformed string).
 */
export function luaNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.replace(SPACE, '');
  if (DECIMAL.test(t)) return Number(t);
  if (HEX.test(t)) return parseInt(t.slice(2), 16);
  const inf = INF.exec(t);
  if (inf !== null) return inf[1] === '-' ? -Infinity : Infinity;
  if (NAN.test(t)) return NaN;
  return undefined;
}

/**
 * C's `%.17g`, as Lua's string.format writes it (glibc spelling of infinities and NaN).
 * glibc rounds the double's exact decimal value, and a tie to even: 5960.40338134765625
 * is '5960.4033813476562' there, where JavaScript's toPrecision rounds the tie up. So the
 * digits come from the exact value, a BigInt.
 */
export function formatG17(x: number): string {
  if (Number.isNaN(x)) return signBit(x) ? '-nan' : 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const sign = x < 0 ? '-' : '';
  const { digits, exponent } = round17(Math.abs(x));
  if (exponent < -4 || exponent >= 17) {
    const m = stripZeros(`${digits[0]}.${digits.slice(1)}`);
    const e = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${m}e${exponent < 0 ? '-' : '+'}${e}`;
  }
  if (exponent < 0) return `${sign}${stripZeros(`0.${'0'.repeat(-exponent - 1)}${digits}`)}`;
  const fraction = digits.slice(exponent + 1);
  return `${sign}${digits.slice(0, exponent + 1)}${fraction === '' ? '' : stripZeros(`.${fraction}`)}`;
}

/** 17 significant digits of a positive finite double, ties to even, and the power of ten of the first. */
function round17(x: number): { digits: string; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const biased = (view.getUint16(0) >> 4) & 0x7ff;
  const fraction = (BigInt(view.getUint32(0) & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  // x = mantissa × 2^power, exactly; a negative power is mantissa × 5^-power × 10^power.
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const power = (biased === 0 ? 1 : biased) - 1075;
  const text = power >= 0 ? (mantissa << BigInt(power)).toString() : (mantissa * 5n ** BigInt(-power)).toString();
  let exponent = text.length - 1 + Math.min(power, 0);
  if (text.length <= 17) return { digits: text.padEnd(17, '0'), exponent };
  let head = text.slice(0, 17);
  const rest = text.slice(17);
  const up = rest[0]! > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || Number(head[16]) % 2 === 1));
  if (up) {
    head = (BigInt(head) + 1n).toString();
    if (head.length > 17) {
      head = head.slice(0, 17);
      exponent += 1;
    }
  }
  return { digits: head, exponent };
}

/** The script's `fmt`: integers below 1e15 in full (`-0` kept), anything else `%.17g`. */
export function luaFormat(x: number): string {
  if (x === Math.floor(x) && x > -1e15 && x < 1e15) {
    if (x === 0 && Object.is(x, -0)) return '-0';
    return String(x);
  }
  return formatG17(x);
}

function stripZeros(text: string): string {
  if (!text.includes('.')) return text;
  return text.replace(/\.?0+$/, '');
}

function signBit(x: number): boolean {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return (view.getUint8(0) & 0x80) !== 0;
}
