import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { copyLine, copyStream } from '../../db/copy';
import { markImportFailed, markImportUploaded } from '../../db/import-jobs';
import { createEventImport, eventRowsTable, recordEventRejects, type EventImportOptions, type EventRejectRecord } from '../../db/events';
import type { Pool } from '../../db/pool';

export interface EventUploadResult {
  importId: number;
  sha256: string;
  /** Lines staged for the workflow, numbered 1..totalRows. */
  totalRows: number;
  /** Lines rejected while reading (too long, not UTF-8), by reason. */
  parseRejected: Record<string, number>;
}

/** Longest line staged; a longer one is rejected as too_large (the event limit is far below). */
export const MAX_LINE_CHARS = 65_536;

/**
 * Streams a JSON Lines file into the import's staging table (one COPY, flat memory): a line per
 * record, blank lines skipped, a BOM on the first line dropped. The lines are parsed by the
 * workflow's batch activities, not here, so the CLI stays light whatever the file size.
 */
export async function uploadEventsFile(pool: Pool, file: string, options: EventImportOptions, onProgress: (bytes: number, total: number) => void): Promise<EventUploadResult> {
  const totalBytes = statSync(file).size;
  const importId = await createEventImport(pool, path.basename(file), options);
  const client = await pool.connect();
  const rejectClient = await pool.connect();
  const hash = createHash('sha256');
  const parseRejected: Record<string, number> = {};
  let rejects: EventRejectRecord[] = [];
  const reject = (r: EventRejectRecord) => {
    parseRejected[r.reason] = (parseRejected[r.reason] ?? 0) + 1;
    rejects.push(r);
  };
  const flush = async () => {
    const batch = rejects;
    rejects = [];
    await recordEventRejects(rejectClient, importId, batch);
  };
  let seq = 0;
  let lineNo = 0;
  let carry = '';
  const stage = (raw: string): string => {
    lineNo++;
    const text = (lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw).replace(/\r$/, '');
    if (text.trim() === '') return '';
    if (text.length > MAX_LINE_CHARS) {
      reject({ line: lineNo, reason: 'too_large', detail: `the line is longer than ${MAX_LINE_CHARS} characters`, raw: text });
      return '';
    }
    if (text.includes('\uFFFD')) {
      reject({ line: lineNo, reason: 'invalid_encoding', detail: 'the line is not valid UTF-8', raw: text });
      return '';
    }
    seq++;
    return copyLine([seq, lineNo, text]);
  };
  try {
    const copy = copyStream(client, eventRowsTable(importId), ['seq', 'line_no', 'raw']);
    const decoder = new StringDecoder('utf8');
    let bytes = 0;
    await pipeline(
      createReadStream(file),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          bytes += chunk.length;
          onProgress(bytes, totalBytes);
          const lines = (carry + decoder.write(chunk)).split('\n');
          carry = lines.pop()!;
          // A line still growing past the limit is cut here so that memory stays flat.
          if (carry.length > MAX_LINE_CHARS * 2) carry = carry.slice(0, MAX_LINE_CHARS * 2);
          const out = lines.map(stage).join('');
          if (rejects.length >= 5_000) await flush();
          if (out) yield out;
        }
        const tail = (carry + decoder.end()).split('\n').map(stage).join('');
        if (tail) yield tail;
      },
      copy,
    );
    await flush();
    const sha256 = hash.digest('hex');
    await markImportUploaded(pool, 'events', importId, sha256, seq);
    return { importId, sha256, totalRows: seq, parseRejected };
  } catch (err) {
    await markImportFailed(pool, 'events', importId).catch(() => {});
    throw err;
  } finally {
    client.release();
    rejectClient.release();
  }
}
