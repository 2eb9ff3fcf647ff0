/**
 * Candidate matching for changed-number recovery (seed 002): who is the likely new number of a
 * customer whose number died, found only through the customer's own links, each with a
 * confidence and the evidence kept. Pure: the links are read by db/recovery.ts.
 */
import { deviceFarmOf, type FarmSignals } from '../device-farm';
import { isNewerAccount, type AccountDates } from './history';

export type EvidenceKind = 'self_reported' | 'same_email' | 'same_device' | 'same_address';

/** Confidence of one link on its own. Several links combine as independent evidence. */
export const EVIDENCE_CONFIDENCE: Readonly<Record<EvidenceKind, number>> = {
  self_reported: 0.95, // the customer told us (app, API, support)
  same_email: 0.85, // a newer account with the customer's own e-mail
  same_device: 0.7, // a new account on the same device fingerprint
  same_address: 0.5, // orders shipped to the same address with another phone: a gentle lead
};

export const DEFAULT_MIN_CONFIDENCE = 0.5;

export interface Evidence {
  kind: EvidenceKind;
  confidence: number;
  /** What matched, in words, without personal data or any fragment of a hash. */
  detail: string;
}

/** The customer whose number died, with the dates of its account (core/recovery/history.ts). */
export interface OldContact extends AccountDates {
  id: number;
  phoneHash: string;
}

/** A number linked to the old contact, as read from the database. */
export interface CandidateLink {
  /** The contact holding the number, null for a self-reported number no contact has. */
  contactId: number | null;
  phoneHash: string;
  via: EvidenceKind;
  detail: string;
  /** Of the candidate's contact (absent when contactId is null): when it entered reachloop, and its own dates. */
  firstSeenAt?: number;
  dates?: Omit<AccountDates, 'firstSeenAt'>;
  quarantined?: boolean;
  /** Its number is itself dead (unreachable, empty, stopped). */
  dead?: boolean;
  optedOut?: boolean;
  /** The candidate contact is already merged into another one. */
  isAlias?: boolean;
  /** The number belonged to an erased person, or the candidate contact holds an erased number or address (db/privacy.ts). */
  erased?: boolean;
  /** Its registration counts and how many contacts share its device (core/device-farm.ts). */
  farmSignals?: FarmSignals;
}

export type ExclusionReason = 'same_number' | 'erased' | 'device_farm' | 'quarantined' | 'other_active_customer' | 'candidate_dead' | 'opted_out' | 'merged_elsewhere' | 'low_confidence';

export interface Candidate {
  contactId: number | null;
  phoneHash: string;
  confidence: number;
  evidence: Evidence[];
}

export interface MatchResult {
  best: Candidate | null;
  /** Every other candidate considered, with why it was not used (or outranked). */
  /** The candidates not used. No hash or fragment of one: a 12-digit prefix of a number's keyed hash is
   *  enough to find the number by enumeration with the key, and cannot follow a lookup key rotation. */
  excluded: Array<{ contactId: number | null; reason: ExclusionReason | 'outranked'; confidence: number }>;
}

/** 1 - Π(1 - c): independent links reinforce each other, never above 1. */
export function combineConfidence(parts: readonly number[]): number {
  return Math.round((1 - parts.reduce((p, c) => p * (1 - c), 1)) * 1000) / 1000;
}

/**
 * Groups links per number, excludes numbers the customer cannot own, scores the rest.
 * - device-farm accounts, or accounts on a device many contacts share, are never used
 *   (device_farm; contact policy deviceFarms): a farm's device links nobody to anybody;
 * - quarantined candidates are never used;
 * - a candidate contact whose own history (registration, orders, opt-ins from the source's files;
 *   when it entered reachloop only if the source gave no date) does not begin after the old
 *   account's last sign of life is another active customer (a household sharing an address or an
 *   e-mail), unless its number is dead anyway;
 * - dead, opted-out or already merged candidates are not asked;
 * - an erased person's number, or a candidate holding an erased person's number or address, is
 *   never asked (erased), whatever else links it.
 */
export function matchCandidates(old: OldContact, links: readonly CandidateLink[], minConfidence = DEFAULT_MIN_CONFIDENCE): MatchResult {
  const byPhone = new Map<string, CandidateLink[]>();
  for (const l of links) byPhone.set(l.phoneHash, [...(byPhone.get(l.phoneHash) ?? []), l]);
  const usable: Candidate[] = [];
  const excluded: MatchResult['excluded'] = [];
  for (const [phoneHash, group] of byPhone) {
    const first = group[0]!;
    const evidence = dedupeEvidence(group);
    const confidence = combineConfidence(evidence.map((e) => e.confidence));
    const reason = exclusionOf(old, first, phoneHash);
    const entry = { contactId: first.contactId, confidence };
    if (reason) excluded.push({ ...entry, reason });
    else if (confidence < minConfidence) excluded.push({ ...entry, reason: 'low_confidence' });
    else usable.push({ contactId: first.contactId, phoneHash, confidence, evidence });
  }
  usable.sort((a, b) => b.confidence - a.confidence || a.phoneHash.localeCompare(b.phoneHash));
  const [best, ...rest] = usable;
  for (const r of rest) excluded.push({ contactId: r.contactId, reason: 'outranked', confidence: r.confidence });
  return { best: best ?? null, excluded };
}

function exclusionOf(old: OldContact, l: CandidateLink, phoneHash: string): ExclusionReason | null {
  if (phoneHash === old.phoneHash || l.contactId === old.id) return 'same_number';
  if (l.erased) return 'erased';
  if (l.contactId === null) return null;
  if (l.farmSignals && deviceFarmOf(l.farmSignals).farm) return 'device_farm';
  if (l.quarantined) return 'quarantined';
  if (l.isAlias) return 'merged_elsewhere';
  if (l.dead) return 'candidate_dead';
  if (l.optedOut) return 'opted_out';
  if (l.firstSeenAt !== undefined && !isNewerAccount(old, { ...l.dates, firstSeenAt: l.firstSeenAt })) return 'other_active_customer';
  return null;
}

function dedupeEvidence(group: readonly CandidateLink[]): Evidence[] {
  const seen = new Map<EvidenceKind, Evidence>();
  for (const l of group) if (!seen.has(l.via)) seen.set(l.via, { kind: l.via, confidence: EVIDENCE_CONFIDENCE[l.via], detail: l.detail });
  return [...seen.values()].sort((a, b) => b.confidence - a.confidence);
}

/** The key of a shipping address: lower case, punctuation and runs of spaces folded (hashed by the caller). */
export function addressKey(parts: { line1: string; line2?: string; city?: string; postalCode?: string; country?: string }): string {
  const fold = (s: string | undefined) =>
    (s ?? '')
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[.,#\-_/\\()]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  return [parts.country, parts.postalCode, parts.city, parts.line1, parts.line2].map(fold).join('|');
}

/** The key of a shipping address written as one text (an import's shipping_address column). */
export const shippingAddressKey = (text: string): string => addressKey({ line1: text });
