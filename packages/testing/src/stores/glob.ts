// Redis's glob matching (util.c stringmatchlen) for KEYS and SCAN MATCH: `*`, `?`, `[abc]`,
// `[^a-z]` and `\` escapes, on binary strings (one char per byte).

/** True when `text` matches the Redis glob `pattern` (both binary strings). */
export function globMatch(pattern: string, text: string): boolean {
  const skip = { longer: false };
  return match(pattern, 0, text, 0, skip);
}

function match(p: string, pi: number, s: string, si: number, skip: { longer: boolean }): boolean {
  const pe = p.length;
  const se = s.length;
  while (pi < pe && si < se) {
    const c = p[pi];
    if (c === '*') {
      while (pi + 1 < pe && p[pi + 1] === '*') pi++;
      if (pi + 1 === pe) return true;
      while (si < se) {
        if (match(p, pi + 1, s, si, skip)) return true;
        if (skip.longer) return false;
        si++;
      }
      skip.longer = true;
      return false;
    } else if (c === '?') {
      si++;
    } else if (c === '[') {
      pi++;
      const not = p[pi] === '^';
      if (not) pi++;
      let hit = false;
      for (;;) {
        if (p[pi] === '\\' && pe - pi >= 2) {
          pi++;
          if (p[pi] === s[si]) hit = true;
        } else if (p[pi] === ']') {
          break;
        } else if (pi >= pe) {
          pi--;
          break;
        } else if (pe - pi >= 3 && p[pi + 1] === '-') {
          let start = p.charCodeAt(pi);
          let end = p.charCodeAt(pi + 2);
          const ch = s.charCodeAt(si);
          if (start > end) [start, end] = [end, start];
          pi += 2;
          if (ch >= start && ch <= end) hit = true;
        } else if (p[pi] === s[si]) {
          hit = true;
        }
        pi++;
      }
      if (not) hit = !hit;
      if (!hit) return false;
      si++;
    } else {
      if (c === '\\' && pe - pi >= 2) pi++;
      if (p[pi] !== s[si]) return false;
      si++;
    }
    pi++;
    if (si === se) {
      while (pi < pe && p[pi] === '*') pi++;
      break;
    }
  }
  return pi === pe && si === se;
}
