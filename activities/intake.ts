import { statusOf } from '../channels/number-lookup';
import { Context } from '@temporalio/activity';
import type { PoolClient } from 'pg';
import { validateRow } from '../core/intake/row';
import { mergeContact, type ContactDraft, type ContactFacts, type IncomingRow } from '../core/intake/merge';
import { compactScoreParts, evaluateContact } from '../core/evaluate';
import { actionForStatus, REGULAR_RECHECK_DAYS, type NumberStatus } from '../core/number-status';
import type { ScorePolicy } from '../core/score';
import type { CountryCode } from '../core/phone';
import type { NumberLookup } from '../channels/number-lookup';
import { copyRows, type CopyValue } from '../db/copy';
import { contactFactsOf } from '../core/activity';
import { attachPendingEvents } from '../db/events';
import { applyPendingOptOuts } from '../db/pending-optouts';
import { refoldContacts } from './events';
import { emailHash, lockContactsByHash, phoneHash, type StoredContact } from '../db/contacts';
import { ensureValidTable, readStagedBatch, recordRejects, rowsTable, validTable, writeValidRows, dropStaging, type ImportOptions } from '../db/intake';
import type { Pool } from '../db/pool';
import { inTransaction } from '../db/transaction';
import type { IntakeBatchResult, IntakePartitionResult, IntakeReport } from '../workflows/shared';

export interface IntakeDeps {
  pool: Pool;
  lookup: NumberLookup;
  policy: ScorePolicy;
  now: () => Date | Promise<Date>;
}

export const createIntakeActivities = (deps: IntakeDeps) => ({
  /** Phase 1: validate and normalise rows [fromSeq, toSeq); retry-safe (one transaction). */
  async normalizeIntakeBatch(input: { importId: number; fromSeq: number; toSeq: number }): Promise<IntakeBatchResult> {
    const { importId, fromSeq, toSeq } = input;
    const options = await importOptions(deps.pool, importId);
    const staged = await readStagedBatch(deps.pool, importId, fromSeq, toSeq);
    const now = (await deps.now()).getTime();
    const valid: Array<{ seq: number; line: number; hash: string; row: import('../core/intake/row').IntakeRow }> = [];
    const rejects: Array<{ line: number; reason: string; detail: string; raw: string }> = [];
    const rejected: Record<string, number> = {};
    for (const s of staged) {
      const r = validateRow(s.fields, { defaultCountry: (options.defaultCountry ?? undefined) as CountryCode | undefined, now });
      if (r.ok) valid.push({ seq: s.seq, line: s.line, hash: phoneHash(r.row.e164), row: r.row });
      else {
        rejected[r.reason] = (rejected[r.reason] ?? 0) + 1;
        rejects.push({ line: s.line, reason: r.reason, detail: r.detail, raw: JSON.stringify(s.fields) });
      }
    }
    await ensureValidTable(deps.pool, importId);
    await inTransaction(deps.pool, async (client) => {
      await client.query(`DELETE FROM ${validTable(importId)} WHERE seq >= $1 AND seq < $2`, [fromSeq, toSeq]);
      await client.query(
        `DELETE FROM import_rejects WHERE import_id = $1 AND line_no IN (SELECT line_no FROM ${rowsTable(importId)} WHERE seq >= $2 AND seq < $3)`,
        [importId, fromSeq, toSeq],
      );
      await writeValidRows(client, importId, valid);
      await recordRejects(client, importId, rejects);
    });
    return { read: staged.length, valid: valid.length, rejected };
  },

  /** Between the phases: index the normalised rows and count registrations per range / device and day. */
  async indexIntake(input: { importId: number }): Promise<void> {
    const v = validTable(input.importId);
    await deps.pool.query(`CREATE INDEX IF NOT EXISTS ${v}_hash ON ${v} (phone_hash)`);
    await deps.pool.query(`DROP TABLE IF EXISTS ${v}_stats`);
    await deps.pool.query(`CREATE UNLOGGED TABLE ${v}_stats AS
      WITH firsts AS (SELECT DISTINCT ON (phone_hash) phone_hash, e164, opt_in_at, device_id FROM ${v} ORDER BY phone_hash, seq)
      SELECT phone_hash,
        CASE WHEN opt_in_at IS NULL THEN 0 ELSE count(*) OVER (PARTITION BY left(e164, length(e164) - 3), date_trunc('day', opt_in_at)) END AS same_range,
        CASE WHEN device_id IS NULL THEN 0 ELSE count(*) OVER (PARTITION BY device_id, date_trunc('day', opt_in_at)) END AS same_device
      FROM firsts`);
    await deps.pool.query(`CREATE INDEX ON ${v}_stats (phone_hash)`);
  },

  /**
   * Phase 2: merge one hash range of the normalised rows into contacts. Ranges are disjoint, so
   * no two partitions of one import touch the same contact; an advisory lock per range makes
   * concurrent imports take turns on it. Idempotent: merging the same rows again changes nothing.
   */
  async mergeIntakePartition(input: { importId: number; partition: number; partitions: number }): Promise<IntakePartitionResult> {
    const { importId } = input;
    const options = await importOptions(deps.pool, importId);
    const [lo, hi] = hashRange(input.partition, input.partitions);
    const v = validTable(importId);
    const { rows } = await deps.pool.query(
      `SELECT v.*, s.same_range, s.same_device FROM ${v} v LEFT JOIN ${v}_stats s USING (phone_hash)
       WHERE v.phone_hash >= $1 AND ($2::text IS NULL OR v.phone_hash < $2) ORDER BY v.phone_hash, v.seq`,
      [lo, hi],
    );
    const groups = new Map<string, { incoming: IncomingRow[]; sameRange: number; sameDevice: number }>();
    for (const r of rows) {
      let g = groups.get(r.phone_hash);
      if (!g) groups.set(r.phone_hash, (g = { incoming: [], sameRange: Number(r.same_range ?? 0), sameDevice: Number(r.same_device ?? 0) }));
      g.incoming.push({ row: rowFromValid(r), proof: { importId, line: r.line_no } });
    }
    const result: IntakePartitionResult = { contacts: groups.size, created: 0, quarantined: 0, quarantinedByReason: {}, tiers: {}, tierChanges: 0 };
    if (groups.size === 0) return result;
    const now = await deps.now();
    await inTransaction(deps.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(7243002, $1)', [input.partition]);
      const hashes = [...groups.keys()];
      const existing = await lockContactsByHash(client, hashes);
      const toLookUp = hashes.filter((h) => !existing.has(h) || existing.get(h)!.numberStatus === 'unknown');
      const statuses = new Map<string, NumberStatus>();
      const looked = await deps.lookup.lookup(toLookUp.map((h) => groups.get(h)!.incoming[0]!.row.e164));
      toLookUp.forEach((h, i) => statuses.set(h, statusOf(looked[i]!))); const out: ContactWrite[] = [];
      for (const [hash, g] of groups) {
        const prior = existing.get(hash);
        const draft = mergeContact(prior?.draft ?? null, g.incoming, { source: options.source, consentPurpose: options.consentPurpose });
        const status = statuses.get(hash) ?? prior!.numberStatus;
        const action = actionForStatus(status);
        const facts = factsOf(prior, action.validity, g.sameRange, g.sameDevice);
        const ev = evaluateContact(draft, facts, deps.policy, now);
        out.push({ hash, draft, status, prior, ev, recheckAfter: recheckAfter(now, action.recheckInHours), sameRange: g.sameRange, sameDevice: g.sameDevice });
        result.tiers[ev.tier.tier] = (result.tiers[ev.tier.tier] ?? 0) + 1;
        if (ev.risk.quarantined) {
          result.quarantined++;
          for (const k of ev.riskKeys) result.quarantinedByReason[k] = (result.quarantinedByReason[k] ?? 0) + 1;
        }
        if (!prior) result.created++;
        if (!prior || prior.tier !== ev.tier.tier) result.tierChanges++;
      } const idOf = await writeContacts(client, out, `import:${importId}`);
      // Behaviour events that arrived before their number was a contact attach now (core/events.ts).
      await refoldContacts(client, deps, await attachPendingEvents(client, idOf), now);
      await applyPendingOptOuts(client, idOf);
    });
    Context.current().heartbeat();
    return result;
  },

  /** The report: counts from the phases plus time zones covered; drops the staging tables. */
  async finishIntake(input: { importId: number; report: Omit<IntakeReport, 'timeZones'> }): Promise<IntakeReport> {
    const v = validTable(input.importId);
    const { rows } = await deps.pool.query<{ zone: string; n: string }>(
      `SELECT zone, count(*) AS n FROM (SELECT DISTINCT ON (phone_hash) time_zones FROM ${v} ORDER BY phone_hash) d, unnest(d.time_zones) AS zone GROUP BY zone ORDER BY count(*) DESC, zone`,
    ).catch(() => ({ rows: [] as Array<{ zone: string; n: string }> }));
    const report: IntakeReport = { ...input.report, timeZones: Object.fromEntries(rows.map((r) => [r.zone, Number(r.n)])) };
    await deps.pool.query(`UPDATE imports SET status = 'completed', report = $2, finished_at = now() WHERE id = $1`, [input.importId, report]);
    await deps.pool.query(`DROP TABLE IF EXISTS ${v}_stats`);
    await dropStaging(deps.pool, input.importId);
    return report;
  },
});

interface ContactWrite {
  hash: string;
  draft: ContactDraft;
  status: NumberStatus;
  prior: StoredContact | undefined;
  ev: ReturnType<typeof evaluateContact>;
  recheckAfter: Date;
  sameRange: number;
  sameDevice: number;
}

const CONTACT_COLUMNS = [
  'phone_hash', 'phone_e164', 'phone_extension', 'line_type', 'country', 'region', 'currency', 'language', 'time_zones', 'name',
  'validity', 'number_status', 'sms_eligible', 'channel_tags', 'sources', 'device_ids', 'last_order_at', 'order_value',
  'risk_points', 'risk_reasons', 'quarantined', 'score', 'score_parts', 'tier', 'tier_reasons', 'policy_version', 'recheck_after',
  'prefer_cheaper_channel', 'same_range_registrations', 'same_device_registrations',
] as const;

/** Upserts the contacts with their e-mails, consents and tier changes; returns phone hash -> contact id. */
async function writeContacts(client: PoolClient, writes: ContactWrite[], cause: string): Promise<Map<string, number>> {
  await client.query(`CREATE TEMP TABLE tmp_contacts (LIKE contacts INCLUDING DEFAULTS) ON COMMIT DROP`);
  await copyRows(
    client,
    'tmp_contacts',
    CONTACT_COLUMNS,
    writes.map(({ hash, draft: d, status, ev, recheckAfter, sameRange, sameDevice }): CopyValue[] => {
      const action = actionForStatus(status);
      return [
        hash, d.e164, d.extension, d.lineType, d.country, d.region, d.currency, d.language, d.timeZones, d.name,
        action.validity, status, action.smsEligible, d.channelTags, d.sources, d.deviceIds, d.lastOrderAt, d.orderValue,
        Math.round(ev.risk.points), ev.risk.reasons, ev.risk.quarantined, Math.round(ev.score.total), { json: compactScoreParts(ev.score.parts) }, ev.tier.tier,
        ev.tier.reasons, ev.score.policyVersion, recheckAfter.toISOString(),
        action.preferCheaperChannel, sameRange, sameDevice,
      ];
    }),
  );
  const updates = CONTACT_COLUMNS.filter((c) => c !== 'phone_hash').map((c) => `${c} = EXCLUDED.${c}`);
  const upserted = await client.query<{ id: string; phone_hash: string }>(
    `INSERT INTO contacts (${CONTACT_COLUMNS.join(', ')}) SELECT ${CONTACT_COLUMNS.join(', ')} FROM tmp_contacts
     ON CONFLICT (phone_hash) DO UPDATE SET ${updates.join(', ')}, updated_at = now() RETURNING id, phone_hash`,
  );
  const idOf = new Map(upserted.rows.map((r) => [r.phone_hash, Number(r.id)]));
  // New contacts cannot collide with anything: their rows go in with COPY. Existing ones merge.
  const fresh = writes.filter((w) => !w.prior);
  const known = writes.filter((w) => w.prior);
  await copyRows(client, 'contact_emails', ['contact_id', 'email_hash', 'email'],
    fresh.flatMap((w) => w.draft.emails.map((e): CopyValue[] => [idOf.get(w.hash)!, emailHash(e), e])));
  const addedEmails = known.flatMap((w) => w.draft.emails.filter((e) => !w.prior!.draft.emails.includes(e)).map((e) => [idOf.get(w.hash)!, e] as const));
  if (addedEmails.length)
    await client.query(
      `INSERT INTO contact_emails (contact_id, email_hash, email) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
      [addedEmails.map((x) => x[0]), addedEmails.map((x) => emailHash(x[1])), addedEmails.map((x) => x[1])],
    );
  const consentRow = (w: ContactWrite, k: ContactDraft['consents'][number]): CopyValue[] =>
    [idOf.get(w.hash)!, k.channel, k.purpose, k.source, k.grantedAt, k.doubleOptIn, { json: k.proof }];
  const CONSENT_COLUMNS = ['contact_id', 'channel', 'purpose', 'source', 'granted_at', 'double_opt_in', 'proof'];
  await copyRows(client, 'consents', CONSENT_COLUMNS, fresh.flatMap((w) => w.draft.consents.map((k) => consentRow(w, k))));
  const merged = known.flatMap((w) => w.draft.consents.map((k) => consentRow(w, k)));
  if (merged.length)
    await client.query(
      `INSERT INTO consents (${CONSENT_COLUMNS.join(', ')})
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::boolean[], $7::jsonb[])
       ON CONFLICT (contact_id, channel, purpose) DO UPDATE SET
         granted_at = LEAST(consents.granted_at, EXCLUDED.granted_at),
         source = CASE WHEN EXCLUDED.granted_at < consents.granted_at THEN EXCLUDED.source ELSE consents.source END,
         proof = CASE WHEN EXCLUDED.granted_at < consents.granted_at THEN EXCLUDED.proof ELSE consents.proof END`,
      CONSENT_COLUMNS.map((_, i) => merged.map((row) => (i === 6 ? JSON.stringify((row[6] as { json: unknown }).json) : row[i]))),
    );
  await copyRows(client, 'tier_history', ['contact_id', 'from_tier', 'to_tier', 'score', 'cause', 'reasons'],
    writes
      .filter((w) => w.prior?.tier !== w.ev.tier.tier)
      .map((w): CopyValue[] => [idOf.get(w.hash)!, w.prior?.tier ?? null, w.ev.tier.tier, Math.round(w.ev.score.total), cause, w.ev.tier.reasons]));
  return idOf;
}

function factsOf(prior: StoredContact | undefined, validity: ContactFacts['validity'], sameRange: number, sameDevice: number): ContactFacts {
  return contactFactsOf({ activity: prior?.activity ?? {}, complaints: prior?.complaints ?? 0, sameRangeRegistrations: sameRange, sameDeviceRegistrations: sameDevice }, validity);
}

const recheckAfter = (now: Date, hours: number | null) => new Date(now.getTime() + (hours ?? REGULAR_RECHECK_DAYS * 24) * 3_600_000);

/** Hash ranges split the 4-hex-digit prefix space evenly: at most this many partitions. */
export const MAX_PARTITIONS = 65_536;

/** Partition p of P over the first four hex digits of the hash: [lo, hi), hi null for the last. */
export function hashRange(p: number, partitions: number): [string, string | null] {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) throw new RangeError(`partitions must be 1..${MAX_PARTITIONS}`);
  const bound = (i: number) => Math.floor((i * MAX_PARTITIONS) / partitions).toString(16).padStart(4, '0');
  return [p === 0 ? '' : bound(p), p === partitions - 1 ? null : bound(p + 1)];
}

function rowFromValid(r: Record<string, any>): import('../core/intake/row').IntakeRow {
  return {
    e164: r.e164,
    extension: r.extension,
    lineType: r.line_type,
    country: r.country,
    region: r.region,
    currency: r.currency,
    language: r.language,
    timeZones: r.time_zones,
    email: r.email,
    name: r.name,
    lastOrderAt: r.last_order_at ? r.last_order_at.toISOString() : null,
    orderValue: r.order_value === null ? null : Number(r.order_value),
    channelTag: r.channel_tag,
    optInAt: r.opt_in_at ? r.opt_in_at.toISOString() : null,
    deviceId: r.device_id,
  };
}

async function importOptions(pool: Pool, importId: number): Promise<ImportOptions> {
  const { rows } = await pool.query<{ options: ImportOptions }>('SELECT options FROM imports WHERE id = $1', [importId]);
  if (!rows[0]) throw new Error(`import ${importId} does not exist`);
  return rows[0].options;
}
