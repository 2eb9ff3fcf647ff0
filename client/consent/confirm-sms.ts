/**
 * The double opt-in of SMS marketing where the contact policy turns it on (consent.doubleOptIn,
 * e.g. DE): contacts of those countries whose SMS consent is not double-opted-in, and who were never
 * asked, get ONE confirmation SMS ("[Brand] Reply YES to receive offers by SMS, STOP to opt out")
 * through the normal transactional path: a transactional campaign over their ids (ledger,
 * exactly-once, the policy's transactional window, not counted against marketing caps). Their YES
 * (services/inbound.ts) sets the double opt-in with the reply as proof; until then the send
 * decision refuses SMS marketing to them (no_consent:consent-double-opt-in).
 */
import type { Client } from '@temporalio/client';
import { parseCampaign, type CampaignDefinition } from '../../core/campaign/definition';
import { marketingConsent } from '../../core/policy/consent';
import type { ContactPolicy } from '../../core/policy/contact-policy';
import { insertCampaign } from '../../db/campaigns';
import { recordConfirmationsAsked, unconfirmedSmsConsents } from '../../db/consent-confirmations';
import type { Pool } from '../../db/pool';
import { launchCampaign } from '../../services/campaign-launch';

export const CONFIRMATION_TEXT = '[{{brand}}] Reply YES to receive offers by SMS, STOP to opt out';

export interface ConfirmSmsOptions {
  /** Countries to ask; default every country of the policy's doubleOptIn list. */
  countries?: readonly string[];
  dryRun: boolean;
  brand: string;
  taskQueue: string;
  at: Date;
}

export interface ConfirmSmsResult {
  countries: string[];
  /** Contacts asked (or, with dryRun, that would be). */
  asked: number;
  byCountry: Record<string, number>;
  /** Unconfirmed consents not asked because no YES would make them count (a bought list, a pre-ticked box). */
  notAskable: number;
  campaignId: number | null;
  workflowId: string | null;
  dryRun: boolean;
}

export class ConfirmSmsError extends Error {}

/** The countries asked: those named, each of which must be in the policy's list; default all of them. */
export function confirmationCountries(policy: ContactPolicy, named: readonly string[] | undefined): string[] {
  const listed = policy.consent.doubleOptIn.countries;
  if (!policy.consent.doubleOptIn.channels.includes('sms')) return [];
  if (!named?.length) return [...listed];
  const unknown = named.filter((c) => !listed.includes(c));
  if (unknown.length) throw new ConfirmSmsError(`the contact policy asks no double opt-in in ${unknown.join(', ')} (consent.doubleOptIn.countries: ${listed.join(', ') || 'none'})`);
  return [...named];
}

export function confirmationCampaign(contactIds: readonly number[], brand: string, at: Date): CampaignDefinition {
  return parseCampaign({
    name: `SMS double opt-in confirmation ${at.toISOString().slice(0, 10)}`,
    category: 'transactional',
    brand,
    audience: { contactIds: [...contactIds] },
    channels: { A: 'sms', B: 'sms', C: 'sms', D: 'sms' },
    fallback: false,
    templates: { sms: { en: CONFIRMATION_TEXT } },
  });
}

/** Asks (or with dryRun counts) the contacts to confirm; starts the campaign's workflow. */
export async function askSmsDoubleOptIn(deps: { pool: Pool; client: Client | null; policy: ContactPolicy }, o: ConfirmSmsOptions): Promise<ConfirmSmsResult> {
  const countries = confirmationCountries(deps.policy, o.countries);
  const found = countries.length ? await unconfirmedSmsConsents(deps.pool, countries, 'marketing') : [];
  // Only those a YES would give a consent that counts: never a bought list, never a pre-ticked box in the EU.
  const askable = found.filter((k) => marketingConsent(deps.policy.consent, k.country, 'sms', { source: k.source, doubleOptIn: true }).counts);
  const byCountry: Record<string, number> = {};
  for (const k of askable) byCountry[k.country] = (byCountry[k.country] ?? 0) + 1;
  const result: ConfirmSmsResult = { countries, asked: askable.length, byCountry, notAskable: found.length - askable.length, campaignId: null, workflowId: null, dryRun: o.dryRun };
  if (o.dryRun || askable.length === 0) return result;
  if (!deps.client) throw new ConfirmSmsError('a Temporal client is needed to send the confirmations');
  const ids = askable.map((k) => k.contactId);
  const campaignId = await insertCampaign(deps.pool, confirmationCampaign(ids, o.brand, o.at));
  await recordConfirmationsAsked(deps.pool, ids, 'marketing', campaignId, o.at);
  const { workflowId } = await launchCampaign({ pool: deps.pool, client: deps.client, taskQueue: o.taskQueue }, campaignId, { lanes: 1, batchSize: 1000 });
  return { ...result, campaignId, workflowId };
}
