/**
 * How operators name one contact on the command line: its id, its API reference (ct_...), or a
 * phone number (as typed, with --default-country for a national one). Shared by `contact show`,
 * `privacy export|erase` and `audit --contact`.
 */
import os from 'node:os';
import { reasonProblem } from '../core/privacy/audit';
import { normalizePhone, type CountryCode } from '../core/phone';
import { findContactId } from '../db/contact-profile';
import { phoneHash } from '../db/contacts';
import type { Pool } from '../db/pool';
import { contactOfPublicId, PUBLIC_ID } from '../db/public-ids';
import { CliError, UsageError } from './cli-kit';

/** The contact's id, or a CliError naming the key; a key that is neither id, reference nor number is a usage error. */
export async function resolveContactKey(pool: Pool, key: string, defaultCountry?: string): Promise<number> {
  let id: number | undefined;
  // Digits alone are an id: a number needs its + (or --default-country, then 9 digits or more are a number).
  if (/^[1-9]\d{0,17}$/.test(key) && (defaultCountry === undefined || key.length < 9)) id = await findContactId(pool, { id: Number(key) });
  else if (PUBLIC_ID.test(key)) id = await contactOfPublicId(pool, key);
  else {
    const phone = normalizePhone(key, { defaultCountry: defaultCountry?.toUpperCase() as CountryCode | undefined });
    if (!phone.ok) throw new UsageError(`"${key}" is neither a contact id, a reference (ct_...) nor a phone number: ${phone.message}`);
    id = await findContactId(pool, { phoneHash: phoneHash(phone.e164) });
  }
  if (id === undefined) throw new CliError(`no contact ${key}`);
  return id;
}

/** The --reason of a command that reads personal data: trimmed, or a usage error saying what is wrong. */
export function requireReason(reason: string | undefined): string {
  const problem = reasonProblem(reason);
  if (problem) throw new UsageError(`--reason: ${problem.message}`);
  return reason!.trim();
}

/** Who runs the command, as the audit names them: cli:<operating-system user>. */
export function cliActor(): string {
  let user: string | undefined;
  try {
    user = os.userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.USERNAME;
  }
  return `cli:${user || 'unknown'}`;
}
