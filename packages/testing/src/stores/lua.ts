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

/** C's `%.17g`, as Lua's string.format writes it (glibc spelling of infinities and NaN). */
export function formatG17(x: number): string {
  if (Number.isNaN(x)) return signBit(x) ? '-nan' : 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, exp] = x.toExponential(16).split('e') as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 17) {
    const m = stripZeros(mantissa);
    const digits = String(Math.abs(e)).padStart(2, '0');
    return `${m}e${e < 0 ? '-' : '+'}${digits}`;
  }
  return stripZeros(x.toFixed(16 - e));
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
