/**
 * Text from outside (webhooks, API bodies, files) as PostgreSQL can store it: `text` columns refuse
 * the NUL character (error 22021), so it is removed; every other character is kept. Pure.
 */
/**
 * Where a file's first bytes show it is not text (a NUL byte, or more than 1 in 10 of them control
 * characters other than tab, CR, LF and form feed), or -1 when they may be text. UTF-16 files
 * (which hold NULs) are not text here: CSV and JSON Lines are UTF-8; a row that is not valid UTF-8
 * is the importer's to reject, line by line.
 */
export function binaryOffset(head: Uint8Array): number {
  let control = 0;
  let firstControl = -1;
  for (let i = 0; i < head.length; i++) {
    const b = head[i]!;
    if (b === 0) return i;
    if (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12) {
      control++;
      if (firstControl < 0) firstControl = i;
    }
  }
  return head.length && control * 10 > head.length ? firstControl : -1;
}

/**
 * A parsed JSON value with storableText applied to every string and key (jsonb refuses
 * \u0000 as text columns do), and how many characters went.
 */
export function storableJson(value: unknown): { value: unknown; stripped: number } {
  let stripped = 0;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const s = storableText(v);
      stripped += s.stripped;
      return s.text;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[walk(k) as string] = walk(x);
      return out;
    }
    return v;
  };
  const out = walk(value);
  return { value: out, stripped };
}

export function storableText(s: string): { text: string; stripped: number } {
  if (!s.includes('\u0000')) return { text: s, stripped: 0 };
  const text = s.replace(/\u0000/g, '');
  return { text, stripped: s.length - text.length };
}
