import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { from as copyFrom } from 'pg-copy-streams';
import { CsvRecordReader, type CsvEvent } from '../../core/intake/csv';
import { INTAKE_FIELDS, pickFields, pickJsonFields, resolveColumns, type ColumnMapping, type IntakeField, type RawFields } from '../../core/intake/fields';
import { copyLine } from '../../db/copy';
import { createImport, recordRejects, rowsTable, type ImportOptions, type RejectRecord } from '../../db/intake';
import type { Pool } from '../../db/pool';

export interface UploadResult {
  importId: number;
  sha256: string;
  totalRows: number;
  parseRejected: Record<string, number>;
}

/**
 * Reads the file once, streaming: decodes UTF-8 (invalid bytes become U+FFFD and their row is
 * rejected later), splits records, maps columns, and COPYs the records into the import's staging
 * table. Rows that cannot even be read (malformed, wrong column count) are rejected here with
 * their line number. Memory stays flat whatever the file size.
 */
export async function uploadFile(pool: Pool, file: string, options: ImportOptions, onProgress: (bytes: number, total: number) => void): Promise<UploadResult> {
  const totalBytes = statSync(file).size;
  const importId = await createImport(pool, path.basename(file), '', options);
  const client = await pool.connect();
  const rejectClient = await pool.connect();
  const hash = createHash('sha256');
  const parseRejected: Record<string, number> = {};
  let pendingRejects: RejectRecord[] = [];
  const flushRejects = async () => {
    const batch = pendingRejects;
    pendingRejects = [];
    await recordRejects(rejectClient, importId, batch);
  };
  const reject = (r: RejectRecord) => {
    parseRejected[r.reason] = (parseRejected[r.reason] ?? 0) + 1;
    pendingRejects.push(r);
  };
  let seq = 0;
  try {
    const copy = client.query(copyFrom(`COPY ${rowsTable(importId)} (seq, line_no, ${INTAKE_FIELDS.join(', ')}) FROM STDIN`));
    const stage = (line: number, fields: RawFields) => {
      seq++;
      return copyLine([seq, line, ...INTAKE_FIELDS.map((f) => fields[f] ?? null)]);
    };
    const reader = options.format === 'jsonl' ? jsonLinesReader(options.mapping, reject, stage) : csvReader(options.mapping, reject, stage);
    const decoder = new StringDecoder('utf8');
    let bytes = 0;
    const source = createReadStream(file);
    await pipeline(
      source,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          bytes += chunk.length;
          onProgress(bytes, totalBytes);
          const out = reader.push(decoder.write(chunk));
          if (pendingRejects.length >= 5_000) await flushRejects();
          if (out) yield out;
        }
        const tail = reader.push(decoder.end()) + reader.end();
        if (tail) yield tail;
      },
      copy as unknown as Writable,
    );
    await flushRejects();
    const sha256 = hash.digest('hex');
    await pool.query(`UPDATE imports SET file_sha256 = $2, rows_read = $3, status = 'processing' WHERE id = $1`, [importId, sha256, seq]);
    return { importId, sha256, totalRows: seq, parseRejected };
  } catch (err) {
    await pool.query(`UPDATE imports SET status = 'failed', finished_at = now() WHERE id = $1`, [importId]).catch(() => {});
    throw err;
  } finally {
    client.release();
    rejectClient.release();
  }
}

interface Reader {
  /** Returns COPY text for the records this chunk completed. */
  push(text: string): string;
  end(): string;
}

class HeaderError extends Error {}

function csvReader(mapping: ColumnMapping, reject: (r: RejectRecord) => void, stage: (line: number, f: RawFields) => string): Reader {
  const csv = new CsvRecordReader();
  let header: string[] | undefined;
  let columns: Partial<Record<IntakeField, number>> = {};
  const handle = (events: CsvEvent[]) => {
    let out = '';
    for (const e of events) {
      if (e.kind === 'malformed') {
        reject({ line: e.line, reason: 'malformed_row', detail: e.detail, raw: e.raw });
        continue;
      }
      if (!header) {
        header = e.cells.map((c) => c.trim());
        columns = resolveColumns(header, mapping);
        continue;
      }
      if (e.cells.length !== header.length) {
        reject({ line: e.line, reason: 'wrong_column_count', detail: `${e.cells.length} columns, the header has ${header.length}`, raw: e.raw });
        continue;
      }
      out += stage(e.line, pickFields(e.cells, columns));
    }
    return out;
  };
  return {
    push: (text) => handle(csv.push(text)),
    end: () => {
      const out = handle(csv.end());
      if (!header) throw new HeaderError('the file is empty: expected a header line naming the columns');
      return out;
    },
  };
}

function jsonLinesReader(mapping: ColumnMapping, reject: (r: RejectRecord) => void, stage: (line: number, f: RawFields) => string): Reader {
  let carry = '';
  let lineNo = 0;
  const handleLine = (raw: string) => {
    lineNo++;
    const text = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (text.trim() === '') return '';
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (err) {
      reject({ line: lineNo, reason: 'malformed_row', detail: `not JSON: ${(err as Error).message}`, raw: text });
      return '';
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      reject({ line: lineNo, reason: 'malformed_row', detail: 'each line must be a JSON object', raw: text });
      return '';
    }
    try {
      return stage(lineNo, pickJsonFields(obj as Record<string, unknown>, mapping));
    } catch (err) {
      reject({ line: lineNo, reason: 'malformed_row', detail: (err as Error).message, raw: text });
      return '';
    }
  };
  return {
    push(text) {
      const lines = (carry + text).split('\n');
      carry = lines.pop()!;
      return lines.map(handleLine).join('');
    },
    end() {
      const out = carry ? handleLine(carry) : '';
      carry = '';
      return out;
    },
  };
}
