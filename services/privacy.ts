/**
 * Data subject requests and audited reads (issue 17 items 3 and 4): the one way the CLI
 * (`reachloop contact show`, `privacy export|erase`) and the API (`GET /v1/contacts/:ref`,
 * `/export`, `/erase`) read or erase a person's data. Each writes its access_audit row first, in
 * the same request: a read that cannot be audited does not happen. Use case layer: calls db/ and core/.
 */
import { maskEmail, maskPersonalText, maskPhone } from '../core/mask';
import type { AuditAction } from '../core/privacy/audit';
import { normalizePhone } from '../core/phone';
import { recordAccess } from '../db/audit';
import { loadContactProfile, type ContactProfile } from '../db/contact-profile';
import type { Pool } from '../db/pool';
import { readPerson } from '../db/person';
import { erasePersonalData, openCasesOf, type ErasureCounts } from '../db/privacy';
import { readHeldByIdentifier, readPersonalData, type ExportTables } from '../db/privacy-export';
import { mapOpenedIn } from '../db/sealed-fields';
import { inTransaction } from '../db/transaction';

/** Who asks and why: cli:<user> or api:<token name>, and the reason they gave. */
export interface Requester {
  actor: string;
  reason: string;
}

export interface PersonalDataExport {
  contactId: number;
  exportedAt: string;
  /** The profile as `contact show --unmask` prints it. */
  profile: ContactProfile;
  /** Every row about the person, table by table (core/privacy/personal-data.ts), lookup hashes left out. */
  tables: ExportTables;
  /** Every older contact merged into this one (a changed number: the recovery merge made it an alias), with its own rows, table by table. */
  mergedEarlier: MergedContactExport[];
  /** Rows that no contact id names, held by the person's numbers (this contact's and the merged ones'), customer ids, addresses, name or shipping address. */
  heldByIdentifier: ExportTables;
}

export interface MergedContactExport {
  contactId: number;
  /** The contact it was merged into (this one, or another merged contact), when, and by which changed-number case. */
  mergedInto: number;
  mergedAt: string;
  caseId: number | null;
  /** Erased before (its rows hold what the erasure left: ids, states, times). */
  erased: boolean;
  tables: ExportTables;
}

/** The profile of one contact, audited (`contact show`, GET /v1/contacts/:ref). */
export async function readProfile(pool: Pool, contactId: number, who: Requester, action: Extract<AuditAction, 'contact.show' | 'contact.read'>, detail: Record<string, string | number | boolean | null> = {}): Promise<ContactProfile | undefined> {
  await recordAccess(pool, { actor: who.actor, action, contactId, reason: who.reason, detail });
  return loadContactProfile(pool, contactId);
}

/**
 * Everything held about the person, as JSON, audited (the audit row of this export is part of it):
 * the contact's rows, those of every contact merged into it, and the rows held by the person's
 * numbers and addresses without a contact id; what the erasure of the same contact removes.
 */
export async function exportPersonalData(pool: Pool, contactId: number, who: Requester, now: Date, channel: 'cli' | 'api'): Promise<PersonalDataExport | undefined> {
  await recordAccess(pool, { actor: who.actor, action: 'privacy.export', contactId, reason: who.reason, detail: { via: channel } }, now);
  const profile = await loadContactProfile(pool, contactId);
  if (!profile) return undefined;
  // The person as the erasure finds it (db/person.ts): the contacts merged into this one, and the identifiers of all.
  const person = await readPerson(pool, contactId, identifyingDigits);
  const mergedEarlier: MergedContactExport[] = [];
  for (const c of person.contacts) {
    if (!c.merged) continue;
    mergedEarlier.push({ contactId: c.id, mergedInto: c.merged.into, mergedAt: c.merged.at.toISOString(), caseId: c.merged.caseId, erased: c.erased, tables: await readPersonalData(pool, c.id) });
  }
  return { contactId, exportedAt: now.toISOString(), profile, tables: await readPersonalData(pool, contactId), mergedEarlier, heldByIdentifier: await readHeldByIdentifier(pool, person) };
}

/** How many rows an export holds, in every section. */
export function exportedRows(e: PersonalDataExport): number {
  const count = (t: ExportTables) => Object.values(t).reduce((n, rows) => n + rows.length, 0);
  return count(e.tables) + e.mergedEarlier.reduce((n, m) => n + count(m.tables), 0) + count(e.heldByIdentifier);
}

export interface ErasureReport extends ErasureCounts {
  contactId: number;
  erasedAt: string;
}

/** The erasure cannot run now (an open recovery case's workflow still acts on the number); nothing was changed. */
export class ErasureBlocked extends Error {
  constructor(message: string, readonly caseIds: number[]) {
    super(message);
    this.name = 'ErasureBlocked';
  }
}

/**
 * Erases the person (db/privacy.ts erasePersonalData) and writes its audit row in one
 * transaction: both happen or neither.
 */
export async function erasePerson(pool: Pool, contactId: number, who: Requester, now: Date, channel: 'cli' | 'api'): Promise<ErasureReport> {
  return inTransaction(pool, async (client) => {
    const open = await openCasesOf(client, contactId);
    if (open.length) throw new ErasureBlocked(`contact ${contactId} has open changed-number case(s) ${open.join(', ')} whose workflow still acts on the number: cancel them first (reachloop recovery cancel ${open[0]})`, open);
    const counts = await erasePersonalData(client, contactId, identifyingDigits, now);
    await recordAccess(client, { actor: who.actor, action: 'privacy.erase', contactId, reason: who.reason, detail: { via: channel, contacts: counts.contacts.length } }, now);
    return { contactId, erasedAt: now.toISOString(), ...counts };
  });
}

/** The digit strings a number is written with: E.164 without the +, and the national number. */
function identifyingDigits(e164: string): string[] {
  const p = normalizePhone(e164, {});
  if (!p.ok) return [];
  return [...new Set([p.e164.slice(1), p.nationalNumber].filter((d) => d.length >= 6))];
}

/** Numbers and addresses masked: the default of every printout. */
export function maskedProfile(p: ContactProfile): ContactProfile {
  return {
    ...p,
    phone: maskPhone(p.phone),
    emails: p.emails.map(maskEmail),
    recovery: p.recovery.map((k) => ({ ...k, candidate: k.candidate ? maskPhone(k.candidate) : null })),
    fromSource: { ...p.fromSource, shippingAddress: p.fromSource.shippingAddress === null ? null : maskAddress(p.fromSource.shippingAddress) },
    identity: { ...p.identity, aliases: p.identity.aliases.map((a) => ({ ...a, phone: maskPhone(a.phone) })) },
    // The proofs hold what the person texted (opened from its seal): e-mails and numbers in it masked.
    consents: p.consents.map((k) => ({ ...k, proof: mapOpenedIn('consents', 'proof', k.proof, maskedText) })),
    suppressions: p.suppressions.map((x) => ({ ...x, proof: mapOpenedIn('suppressions', 'proof', x.proof, maskedText) })),
    complaints: { ...p.complaints, list: p.complaints.list.map((c) => ({ ...c, proof: mapOpenedIn('complaints', 'proof', c.proof, maskedText) })) },
  };
}

const maskedText = (text: string) => maskPersonalText(text).text;

/** An address shown as its first word and a count: enough to recognise, not to read out. */
const maskAddress = (a: string) => `${a.split(/[\s,]/)[0]!.slice(0, 12)}… (${a.length} characters)`;

