/**
 * A CSV record reader that survives hostile files. csv-parse (tried first) cannot resynchronise
 * after an unterminated quote: it swallows every later line as one field and reports a single
 * error at the end, so good rows after a bad one would be lost. This reader works line by line:
 * a record whose quotes do not balance within MAX_RECORD_LINES lines or MAX_RECORD_CHARS
 * characters is reported as malformed at its first line, and reading resumes on the next line.
 * RFC 4180 otherwise: CRLF or LF, quoted fields with "" escapes and embedded newlines; a stray
 * quote inside an unquoted field, or text after a closing quote, is kept literally.
 */

export type CsvEvent =
  /** cells is empty when the reader was made with { split: false }: splitRecord(raw) gives them. */
  | { kind: 'record'; line: number; cells: string[]; raw: string }
  | { kind: 'malformed'; line: number; detail: string; raw: string };

export const MAX_RECORD_LINES = 1_000;
export const MAX_RECORD_CHARS = 4 * 1024 * 1024;

export class CsvRecordReader {
  private carry = '';
  private lineNo = 0;
  private pending: string[] = [];
  private pendingStart = 0;
  private pendingChars = 0;
  private quotesOdd = false;
  private started = false;
  private readonly split: boolean;

  /** split: false leaves splitting records into cells to the caller (e.g. a worker thread). */
  constructor(opts: { split?: boolean } = {}) {
    this.split = opts.split ?? true;
  }

  /** Feeds a chunk of decoded text; returns the events it completes. */
  push(chunk: string): CsvEvent[] {
    let text = this.carry + chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const out: CsvEvent[] = [];
    let from = 0;
    for (let nl = text.indexOf('\n', from); nl >= 0; nl = text.indexOf('\n', from)) {
      this.line(text.slice(from, nl), out);
      from = nl + 1;
    }
    this.carry = text.slice(from);
    return out;
  }

  /** Ends the input: the last line, and a record left open is reported malformed. */
  end(): CsvEvent[] {
    const out: CsvEvent[] = [];
    if (this.carry !== '') this.line(this.carry, out);
    this.carry = '';
    while (this.pending.length) this.abandonPending(out, 'unterminated quoted field at end of file');
    return out;
  }

  private line(physical: string, out: CsvEvent[]): void {
    this.lineNo++;
    const text = physical.endsWith('\r') ? physical.slice(0, -1) : physical;
    this.consume(text, this.lineNo, out);
  }

  private consume(text: string, lineNo: number, out: CsvEvent[]): void {
    if (this.pending.length === 0) {
      if (text.trim() === '') return; // blank line
      this.pendingStart = lineNo;
    }
    this.pending.push(text);
    this.pendingChars += text.length + 1;
    if (countQuotes(text) % 2 === 1) this.quotesOdd = !this.quotesOdd;
    if (!this.quotesOdd) {
      const raw = this.pending.length === 1 ? this.pending[0]! : this.pending.join('\n');
      out.push({ kind: 'record', line: this.pendingStart, cells: this.split ? splitRecord(raw) : NO_CELLS, raw });
      this.resetPending();
      return;
    }
    if (this.pending.length > MAX_RECORD_LINES || this.pendingChars > MAX_RECORD_CHARS)
      this.abandonPending(out, `quoted field not closed within ${MAX_RECORD_LINES} lines`);
  }

  /** Reports the pending record's first line as malformed and re-reads the lines after it. */
  private abandonPending(out: CsvEvent[], detail: string): void {
    const [first, ...rest] = this.pending;
    const start = this.pendingStart;
    out.push({ kind: 'malformed', line: start, detail, raw: first ?? '' });
    this.resetPending();
    rest.forEach((text, i) => this.consume(text, start + 1 + i, out));
  }

  private resetPending(): void {
    this.pending = [];
    this.pendingChars = 0;
    this.quotesOdd = false;
  }
}

const NO_CELLS = Object.freeze([]) as unknown as string[];

function countQuotes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
}

/** Splits one complete record (quotes balanced) into cells. */
export function splitRecord(record: string): string[] {
  if (!record.includes('"')) return record.split(',');
  const cells: string[] = [];
  let i = 0;
  const n = record.length;
  while (true) {
    let cell = '';
    if (record[i] === '"') {
      i++;
      while (i < n) {
        const c = record[i]!;
        if (c === '"') {
          if (record[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += c;
        i++;
      }
      // Text after the closing quote (e.g. "bad"x) is kept literally.
      const comma = record.indexOf(',', i);
      const tail = comma < 0 ? record.slice(i) : record.slice(i, comma);
      cell += tail;
      i = comma < 0 ? n : comma;
    } else {
      const comma = record.indexOf(',', i);
      cell = comma < 0 ? record.slice(i) : record.slice(i, comma);
      i = comma < 0 ? n : comma;
    }
    cells.push(cell);
    if (i >= n) break;
    i++; // past the comma
    if (i === n) {
      cells.push('');
      break;
    }
  }
  return cells;
}
