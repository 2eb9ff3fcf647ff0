import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { CsvRecordReader, splitRecord } from '../../core/intake/csv';
import { MappingError, resolveColumns } from '../../core/intake/fields';
import { UsageError } from '../cli-kit';
import type { CountryCode } from '../../core/phone';
import { copyStream } from '../../db/copy';
import { markImportFailed, markImportUploaded } from '../../db/import-jobs';
import { createImport, recordRejects, recordWarnings, STAGED_COLUMNS, stagingTablesFor, validTable, type ImportOptions, type RejectRecord, type WarningRecord } from '../../db/intake';
import type { Pool } from '../../db/pool';
import type { StageBatch, StageContext, StageResult } from './stage-batch';
import { Validators } from './validators';

export interface UploadResult {
  importId: number;
  sha256: string;
  /** Records read (the header and blank lines excluded). */
  rowsRead: number;
  /** Rows validated, normalised and staged for the merge. */
  validRows: number;
  /** Every other record, by reason (each also in import_rejects with its line). */
  rejectedByReason: Record<string, number>;
  /** Valid rows' optional fields left empty or cleaned, by reason (each in import_warnings with line and field). */
  warningsByReason: Record<string, number>;
}

/** Records per batch handed to a validating thread. */
const BATCH_RECORDS = 4_000;
/** Files smaller than this are validated on the main thread (starting threads costs more). */
const THREADS_FROM_BYTES = 2 * 1024 * 1024;


export interface UploadTuning {
  /** Validating worker threads; default: one per core (at most 4), none for small files. */
  threads?: number;
}

/**
 * Reads the file once, streaming: decodes UTF-8 (invalid bytes become U+FFFD and their row is
 * rejected), splits records, and has worker threads validate, normalise and enrich them while
 * the file is read; the valid rows are COPYed into the import's staging table as they come, the
 * others go to import_rejects with their line number and reason. Memory stays flat whatever the
 * file size: only a few batches are in flight at once.
 */
export async function uploadFile(
  pool: Pool,
  file: string,
  options: ImportOptions,
  onProgress: (bytes: number, total: number) => void,
  tuning: UploadTuning = {},
): Promise<UploadResult> {
  const totalBytes = statSync(file).size;
  const threads = tuning.threads ?? (totalBytes < THREADS_FROM_BYTES ? 0 : Math.min(4, os.availableParallelism()));
  // The validating threads start first: each takes about half a second to load, time the import's
  // creation and the first batches would otherwise wait for.
  const validators = new Validators(threads);
  let importId: number;
  try {
    importId = await createImport(pool, path.basename(file), '', options, stagingTablesFor(totalBytes));
  } catch (err) {
    await validators.close();
    throw err;
  }
  const client = await pool.connect();
  const rejectClient = await pool.connect();
  const hash = createHash('sha256');
  const rejectedByReason: Record<string, number> = {};
  let pendingRejects: RejectRecord[] = [];
  let rejectsWritten = Promise.resolve();
  const reject = (r: RejectRecord) => {
    rejectedByReason[r.reason] = (rejectedByReason[r.reason] ?? 0) + 1;
    pendingRejects.push(r);
    if (pendingRejects.length >= 5_000) flushRejects();
  };
  const warningsByReason: Record<string, number> = {};
  let pendingWarnings: WarningRecord[] = [];
  const warn = (w: WarningRecord) => {
    warningsByReason[w.reason] = (warningsByReason[w.reason] ?? 0) + 1;
    pendingWarnings.push(w);
    if (pendingWarnings.length >= 5_000) flushRejects();
  };
  // Rejects and warnings go to PostgreSQL on a connection of their own, in order, while the file is read.
  const flushRejects = () => {
    const [rejects, warnings] = [pendingRejects, pendingWarnings];
    pendingRejects = [];
    pendingWarnings = [];
    rejectsWritten = rejectsWritten.then(async () => {
      await recordRejects(rejectClient, importId, rejects);
      await recordWarnings(rejectClient, 'import_warnings', importId, warnings);
    });
  };
  let rowsRead = 0;
  let validRows = 0;
  try {
    const copy = copyStream(client, validTable(importId), STAGED_COLUMNS);
    const copyDone = once(copy, 'finish');
    copyDone.catch(() => {}); // awaited below; an error there is also copyError
    // A failing COPY stream errors here instead of leaving the upload waiting on 'drain'.
    let copyError: Error | undefined;
    copy.on('error', (err) => (copyError ??= err));
    const onResult = async (r: StageResult) => {
      validRows += r.valid;
      for (const x of r.rejects) reject(x);
      for (const w of r.warnings) warn(w);
      if (r.copy.byteLength > 0 && !copy.write(Buffer.from(r.copy.buffer, r.copy.byteOffset, r.copy.byteLength)))
        await Promise.race([once(copy, 'drain'), copyDone]);
      if (copyError) throw copyError;
    };
    const contextFor = (header?: string[]): StageContext => ({
      format: options.format,
      columns: header ? columnsOf(header, options.mapping) : {},
      headerLength: header?.length ?? 0,
      mapping: options.mapping,
      defaultCountry: (options.defaultCountry ?? undefined) as CountryCode | undefined,
      now: Date.now(),
    });
    let batch: StageBatch = { seq: 1, lines: [], raws: [] };
    /** Adds a record to the batch; a full batch is dispatched (await the promise then). */
    const record = (line: number, raw: string): Promise<void> | undefined => {
      rowsRead++;
      batch.lines.push(line);
      batch.raws.push(raw);
      return batch.raws.length >= BATCH_RECORDS ? dispatch() : undefined;
    };
    const dispatch = async () => {
      if (batch.raws.length === 0) return;
      const full = batch;
      batch = { seq: full.seq + full.raws.length, lines: [], raws: [] };
      await validators.submit(full);
    };
    const reader = options.format === 'jsonl' ? jsonLinesReader() : csvReader();
    const decoder = new StringDecoder('utf8');
    let bytes = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
      onProgress(bytes, totalBytes);
      await reader.push(decoder.write(chunk));
    }
    await reader.push(decoder.end());
    await reader.end();
    await dispatch();
    await validators.drain();
    copy.end();
    await copyDone;
    if (copyError) throw copyError;
    flushRejects();
    await rejectsWritten;
    const sha256 = hash.digest('hex');
    await markImportUploaded(pool, 'contacts', importId, sha256, rowsRead);
    return { importId, sha256, rowsRead, validRows, rejectedByReason, warningsByReason };

    function csvReader(): Reader {
      const csv = new CsvRecordReader({ split: false });
      let header: string[] | undefined;
      const handle = async (events: ReturnType<CsvRecordReader['push']>) => {
        for (const e of events) {
          if (e.kind === 'malformed') {
            rowsRead++;
            reject({ line: e.line, reason: 'malformed_row', detail: e.detail, raw: e.raw });
          } else if (!header) {
            header = splitRecord(e.raw).map((c) => c.trim());
            validators.configure(contextFor(header), onResult); // contextFor throws MappingError on a bad header
          } else {
            const full = record(e.line, e.raw);
            if (full) await full;
          }
        }
      };
      return {
        push: (text) => handle(csv.push(text)),
        end: async () => {
          await handle(csv.end());
          if (!header) throw new HeaderError('the file is empty: expected a header line naming the columns');
        },
      };
    }

    function jsonLinesReader(): Reader {
      validators.configure(contextFor(), onResult);
      let carry = '';
      let lineNo = 0;
      const line = async (raw: string) => {
        lineNo++;
        const text = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
        if (text.trim() !== '') await record(lineNo, text);
      };
      return {
        async push(text) {
          const lines = (carry + text).split('\n');
          carry = lines.pop()!;
          for (const l of lines) await line(l);
        },
        async end() {
          if (carry) await line(carry);
          carry = '';
        },
      };
    }
  } catch (err) {
    await markImportFailed(pool, 'contacts', importId).catch(() => {});
    throw err;
  } finally {
    await validators.close();
    client.release();
    rejectClient.release();
  }
}

/** The header's column per field; a header that does not fit is the operator's input error (exit 2). */
function columnsOf(header: readonly string[], mapping: ImportOptions['mapping']) {
  try {
    return resolveColumns(header, mapping);
  } catch (err) {
    if (err instanceof MappingError) throw new UsageError(err.message);
    throw err;
  }
}

interface Reader {
  push(text: string): Promise<void>;
  end(): Promise<void>;
}

class HeaderError extends UsageError {}
