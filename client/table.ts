/**
 * Text tables for the terminal: columns padded to their widest cell, numbers on the right;
 * headings and titles in colour on a terminal, plain when the output is piped or NO_COLOR is set
 * (https://no-color.org), so scripts and files never get escape codes.
 */

export interface Style {
  title(text: string): string;
  header(text: string): string;
  dim(text: string): string;
}

const sgr = (open: string, close: string) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;

export const PLAIN: Style = { title: (t) => t, header: (t) => t, dim: (t) => t };
export const COLOUR: Style = { title: sgr('1;36', '0'), header: sgr('1', '22'), dim: sgr('2', '22') };

/** Colour when `stream` is a terminal and the environment does not ask for none. */
export function styleFor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): Style {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return PLAIN;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return COLOUR;
  return stream.isTTY && env.TERM !== 'dumb' ? COLOUR : PLAIN;
}

export type Cell = string | number;

/** Characters a cell takes on a terminal: East Asian wide characters count two. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return w;
}

const pad = (text: string, width: number, right: boolean) => {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return right ? fill + text : text + fill;
};

/**
 * Rows under a header line, two spaces between columns, indented by two. A column is
 * right-aligned when every body cell of it is a number (or '-'). Zeros are dimmed.
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly Cell[])[], style: Style): string {
  const text = rows.map((r) => r.map(String));
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...text.map((r) => displayWidth(r[i] ?? ''))));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === '-' || /^\d+(\.\d+)?%$/.test(String(r[i]))));
  const line = (cells: readonly string[], paint: (c: string, i: number) => string) =>
    `  ${cells.map((c, i) => paint(pad(c, widths[i]!, numeric[i]!), i)).join('  ')}`.trimEnd();
  return [
    line(headers, (c) => style.header(c)),
    ...text.map((r, ri) => line(r, (c, i) => (rows[ri]![i] === 0 ? style.dim(c) : c))),
  ].join('\n');
}
