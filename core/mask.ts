/** Masks personal data for logs and default output: +86138****5678, a***@example.com. */
export function maskPhone(e164: string): string {
  if (e164.length < 9) return `${e164.slice(0, 3)}****`;
  return `${e164.slice(0, e164.length - 8)}****${e164.slice(-4)}`;
}

export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
