/**
 * What a stored warning or reject may say about a raw input value (an import's field, an event's
 * line): its shape, never the value. A value in the wrong column can be anyone's number, address
 * or name, and import warnings and rejects are plain text kept for the retention period; the
 * operator has the line number and the line itself, sealed (issue 17).
 */

/** "14 characters: digits, symbols": the length and the kinds of characters of a value. */
export function shapeOf(raw: string): string {
  const kinds: string[] = [];
  if (/\p{L}/u.test(raw)) kinds.push('letters');
  if (/\p{N}/u.test(raw)) kinds.push('digits');
  if (/\s/u.test(raw)) kinds.push('spaces');
  if (/[^\p{L}\p{N}\s]/u.test(raw)) kinds.push('symbols');
  const n = [...raw].length;
  return `${n} character${n === 1 ? '' : 's'}${kinds.length ? `: ${kinds.join(', ')}` : ''}`;
}

/**
 * Why a line is not JSON, without the excerpt of it that JSON.parse quotes
 * (`Unexpected token 'j', "john.smith"... is not valid JSON` -> `Unexpected token 'j'`); the
 * position, when the parser gives one, stays.
 */
export function jsonSyntaxProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const without = message
    .replace(/,?\s*"[\s\S]*?"(?:\.\.\.)?\s*is not valid JSON\s*$/, '')
    .replace(/"[\s\S]*"/g, '…')
    .trim();
  return without === '' ? 'not valid JSON' : without;
}
