/** Interval algebra on sorted, disjoint spans of epoch ms [s, e) (core/send-window.ts). Pure. */

export interface Span {
  s: number;
  e: number;
}

export function intersect(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const s = Math.max(x.s, y.s);
    const e = Math.min(x.e, y.e);
    if (s < e) out.push({ s, e });
    if (x.e < y.e) i++;
    else j++;
  }
  return out;
}

export function subtract(a: readonly Span[], cut: Span): Span[] {
  return a.flatMap((x) => {
    if (cut.e <= x.s || cut.s >= x.e) return [x];
    const parts: Span[] = [];
    if (cut.s > x.s) parts.push({ s: x.s, e: cut.s });
    if (cut.e < x.e) parts.push({ s: cut.e, e: x.e });
    return parts;
  });
}

/** Sort and merge overlapping or touching spans. */
export function normalise(spans: readonly Span[]): Span[] {
  const sorted = [...spans].filter((x) => x.s < x.e).sort((p, q) => p.s - q.s);
  const out: Span[] = [];
  for (const x of sorted) {
    const last = out[out.length - 1];
    if (last && x.s <= last.e) last.e = Math.max(last.e, x.e);
    else out.push({ ...x });
  }
  return out;
}
