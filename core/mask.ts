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

/**
 * A third party's text (a provider's error, an SMTP reply) with the recipient it names masked:
 * the number as E.164 and as bare digits, the e-mail in any letter case. Providers echo the
 * recipient ("The 'To' number +1... is not a valid phone number", "550 <x@y>: User unknown"),
 * and those texts go to the ledger, the logs and activity failures.
 */
export function maskNamed(text: string, named: { phone?: string; email?: string }): string {
  let out = text;
  if (named.phone) {
    out = out.split(named.phone).join(maskPhone(named.phone));
    const digits = named.phone.replace(/\D/g, '');
    if (digits.length >= 7) out = out.split(digits).join(maskPhone(named.phone).slice(1));
  }
  if (named.email) out = out.replace(new RegExp(named.email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), maskEmail(named.email));
  return out;
}
