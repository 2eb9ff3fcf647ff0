/**
 * Text from outside (webhooks, API bodies, files) as PostgreSQL can store it: `text` columns refuse
 * the NUL character (error 22021), so it is removed; every other character is kept. Pure.
 */
export function storableText(s: string): { text: string; stripped: number } {
  if (!s.includes('\u0000')) return { text: s, stripped: 0 };
  const text = s.replace(/\u0000/g, '');
  return { text, stripped: s.length - text.length };
}
