/**
 * A customer reports a new number (API, CLI `recovery start --candidate`). The reported number is
 * asked as every changed-number candidate is (activities/recovery.ts); when the customer's current
 * number is still reachable it is also told at once, and where the contact policy says so must
 * agree before anything merges (core/recovery/number-change.ts): a number change is how a caller
 * who is not the customer would take an account over.
 */
import { CONTACT_POLICY, type ContactPolicy } from '../core/policy/contact-policy';
import { currentNumberCheck } from '../core/recovery/number-change';
import { currentNumberReachable, setCurrentCheck } from '../db/number-change';
import type { Pool } from '../db/pool';
import { erasedContacts } from '../db/privacy';
import { aliasTarget, type RecoveryCase } from '../db/recovery';
import { detectAndMatch } from './recovery-detect';

export type NumberChangeOutcome =
  | { kind: 'matched'; case: RecoveryCase }
  | { kind: 'unusable'; case: RecoveryCase; excluded: unknown[] }
  | { kind: 'busy'; case: RecoveryCase }
  | { kind: 'merged'; into: number }
  /** The contact was erased, or holds an erased person's number or address: nobody is asked or told. */
  | { kind: 'erased' }
  | { kind: 'no_contact' };

/**
 * A case for the contact with that number as the candidate, unless the number cannot be used
 * (another active customer's, quarantined, opted out, an erased person's), a case is already
 * asking another number, or the contact was merged away or erased already. A reachable current number puts the policy's check on
 * the case (case.currentCheck), which its workflow carries out.
 */
export async function reportNumberChange(pool: Pool, contactId: number, e164: string, at: Date, policy: ContactPolicy = CONTACT_POLICY): Promise<NumberChangeOutcome> {
  const into = await aliasTarget(pool, contactId);
  if (into !== undefined) return { kind: 'merged', into };
  if ((await erasedContacts(pool, [contactId])).size) return { kind: 'erased' };
  const reachable = await currentNumberReachable(pool, contactId);
  if (reachable === undefined) return { kind: 'no_contact' };
  const [r] = await detectAndMatch(pool, [{ contactId, reason: 'self_reported', selfReportedE164: e164 }], at);
  if (!r) return { kind: 'no_contact' };
  // Asking that very number already: the same answer (starting again only signals the workflow).
  if ((r.case.state === 'matched' || r.case.state === 'confirmation_sent') && r.case.candidateE164 === e164) {
    const check = currentNumberCheck(policy, reachable);
    if (check && r.case.state === 'matched' && r.case.currentCheck === null) {
      await setCurrentCheck(pool, r.case.id, check);
      return { kind: 'matched', case: { ...r.case, currentCheck: check } };
    }
    return { kind: 'matched', case: r.case };
  }
  if (r.case.state === 'detected') return { kind: 'unusable', case: r.case, excluded: r.case.excluded };
  return { kind: 'busy', case: r.case };
}
