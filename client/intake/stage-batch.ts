import { splitRecord } from '../../core/intake/csv';
import { pickFields, pickJsonFields, type ColumnMapping, type IntakeField, type RawFields } from '../../core/intake/fields';
import { validateRow } from '../../core/intake/row';
import { deviceKeyOf, encodeStagedRow, partKeyOf, rangeKeyOf } from '../../core/intake/staged';
import { jsonSyntaxProblem } from '../../core/input-shape';
import { maskPersonalText } from '../../core/mask';
import type { CountryCode } from '../../core/phone';
import { phoneHash } from '../../db/contacts';
import { copyLine } from '../../db/copy';
import { clipRaw, PENDING_PART, type RejectRecord, type WarningRecord } from '../../db/intake';

/** What validating a record needs besides the record: fixed for the whole file. */
export interface StageContext {
  format: 'csv' | 'jsonl';
  /** CSV: the header's column per field, and its length (a record must have as many cells). */
  columns: Partial<Record<IntakeField, number>>;
  headerLength: number;
  /** JSON Lines: keys are matched per object. */
  mapping: ColumnMapping;
  defaultCountry: CountryCode | undefined;
  /** Epoch ms of "now" (dates after now + 1 day are rejected). */
  now: number;
}

/** Records as read, in file order: record i has line lines[i] and staging sequence number seq + i. */
export interface StageBatch {
  seq: number;
  lines: number[];
  raws: string[];
}

/** What the upload posts to a validating thread: the file's context first, then batches. */
export type StageMessage = { context: StageContext } | { batch: StageBatch };

export interface StageResult {
  /** COPY text (db/intake STAGED_COLUMNS) of the valid rows (and of those waiting for their customer id), UTF-8. */
  copy: Uint8Array;
  valid: number;
  rejects: RejectRecord[];
  /** Optional fields of valid rows left empty or cleaned (the rows are staged). */
  warnings: WarningRecord[];
}

/**
 * Splits, maps, validates and normalises one batch of records: the valid ones as COPY text for
 * the staging table, the others as rejects with their line and reason. Pure CPU work: the upload
 * runs it in worker threads.
 */
export function stageBatch(ctx: StageContext, batch: StageBatch): StageResult {
  const copy = new ByteWriter(batch.raws.length * 320);
  let valid = 0;
  const rejects: RejectRecord[] = [];
  const warnings: WarningRecord[] = [];
  const opts = { defaultCountry: ctx.defaultCountry, now: ctx.now };
  for (let i = 0; i < batch.raws.length; i++) {
    const raw = batch.raws[i]!;
    const line = batch.lines[i]!;
    let fields: RawFields;
    if (ctx.format === 'csv') {
      const cells = splitRecord(raw);
      if (cells.length !== ctx.headerLength) {
        rejects.push({ line, reason: 'wrong_column_count', detail: `${cells.length} columns, the header has ${ctx.headerLength}`, raw: clipRaw(raw) });
        continue;
      }
      fields = pickFields(cells, ctx.columns);
    } else {
      const picked = jsonFields(raw, ctx.mapping);
      if (typeof picked === 'string') {
        rejects.push({ line, reason: 'malformed_row', detail: picked, raw: clipRaw(raw) });
        continue;
      }
      fields = picked;
    }
    const r = validateRow(fields, opts);
    if (!r.ok) {
      rejects.push({ line, reason: r.reason, detail: r.detail, raw: clipRaw(JSON.stringify(fields)) });
      continue;
    }
    for (const w of r.warnings) warnings.push({ line, field: w.field, reason: w.reason, detail: w.detail });
    if (r.byCustomerId) {
      // No phone: staged apart until the index step finds the contact its customer id names.
      const pending = JSON.stringify({ ...r.byCustomerId, raw: clipRaw(JSON.stringify(fields)) });
      copy.write(copyLine([PENDING_PART, '', batch.seq + i, line, null, null, encodeStagedRow(r.row), r.row.externalId, pending]));
    } else {
      const hash = phoneHash(r.row.e164);
      copy.write(copyLine([partKeyOf(hash), hash, batch.seq + i, line, rangeKeyOf(r.row), deviceKeyOf(r.row), encodeStagedRow(r.row), r.row.externalId, null]));
    }
    valid++;
  }
  return { copy: copy.bytes(), valid, rejects, warnings };
}

const utf8 = new TextEncoder();

/**
 * UTF-8 bytes appended line by line: each line's strings die young (instead of surviving in a
 * growing rope until the batch ends), which keeps the garbage collector's work small.
 */
class ByteWriter {
  private buf: Uint8Array;
  private used = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(1024, capacity));
  }

  write(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (this.buf.length - this.used < s.length * 3) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.used + s.length * 3));
      bigger.set(this.buf.subarray(0, this.used));
      this.buf = bigger;
    }
    this.used += utf8.encodeInto(s, this.buf.subarray(this.used)).written;
  }

  /** The bytes written, in a buffer of their own (transferable). */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.used);
  }
}

/** One JSON Lines record -> its fields, or why it is malformed. */
function jsonFields(text: string, mapping: ColumnMapping): RawFields | string {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    return `not JSON: ${jsonSyntaxProblem(err)}`;
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return 'each line must be a JSON object';
  try {
    return pickJsonFields(obj as Record<string, unknown>, mapping);
  } catch (err) {
    return maskPersonalText((err as Error).message).text; // names the object's keys: a key can be anything
  }
}
