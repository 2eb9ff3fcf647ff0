import { describe, expect, it } from 'vitest';
import { CsvRecordReader, MAX_RECORD_LINES, splitRecord, type CsvEvent } from '../../core/intake/csv';

const read = (text: string, chunkSize = 7): CsvEvent[] => {
  const r = new CsvRecordReader();
  const out: CsvEvent[] = [];
  for (let i = 0; i < text.length; i += chunkSize) out.push(...r.push(text.slice(i, i + chunkSize)));
  out.push(...r.end());
  return out;
};
const summary = (events: CsvEvent[]) => events.map((e) => (e.kind === 'record' ? [e.line, ...e.cells] : [e.line, `!${e.kind}`]));

describe('splitRecord', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['a,,c,', ['a', '', 'c', '']],
    ['"a,b",c', ['a,b', 'c']],
    ['"say ""hi""",x', ['say "hi"', 'x']],
    ['"multi\nline",x', ['multi\nline', 'x']],
    ['"bad"x,y', ['badx', 'y']],
    ['ab"c,d', ['ab"c', 'd']],
    ['=cmd|\' /C calc\'!A0,x', ["=cmd|' /C calc'!A0", 'x']],
    ['"",""', ['', '']],
    ['', ['']],
  ])('%j -> %j', (record, cells) => {
    expect(splitRecord(record)).toEqual(cells);
  });
});

describe('CsvRecordReader', () => {
  it('strips a BOM, handles CRLF and LF, skips blank lines, numbers records by their first line', () => {
    expect(summary(read('\ufeffphone,name\r\n1,a\r\n\r\n2,"b\r\nc"\n3,d'))).toEqual([
      [1, 'phone', 'name'],
      [2, '1', 'a'],
      [4, '2', 'b\nc'],
      [6, '3', 'd'],
    ]);
  });

  it('gives the same records whatever the chunk size', () => {
    const text = 'h1,h2\n"x\n\ny",z\n"a""b",c\r\n';
    const expected = summary(read(text, text.length));
    for (const size of [1, 2, 3, 5, 11]) expect(summary(read(text, size))).toEqual(expected);
  });

  it('an unterminated quote is one malformed row; the good rows after it survive', () => {
    const lines = ['phone,name', '1,ok', '2,"unterminated'];
    for (let i = 0; i < MAX_RECORD_LINES + 5; i++) lines.push(`${100 + i},fine`);
    const events = read(lines.join('\n'), 4096);
    const malformed = events.filter((e) => e.kind === 'malformed');
    expect(malformed.map((e) => e.line)).toEqual([3]);
    const records = events.filter((e) => e.kind === 'record');
    expect(records).toHaveLength(2 + MAX_RECORD_LINES + 5);
    expect(records.at(-1)).toMatchObject({ line: lines.length, cells: [String(100 + MAX_RECORD_LINES + 4), 'fine'] });
  });

  it('an unterminated quote near the end of the file does not take the last rows with it', () => {
    expect(summary(read('h\n1\n"open\n2\n3\n'))).toEqual([[1, 'h'], [2, '1'], [3, '!malformed'], [4, '2'], [5, '3']]);
  });

  it('keeps a 1 MB field on one line', () => {
    const big = 'A'.repeat(1 << 20);
    const events = read(`a,b\n1,"${big}"\n2,x\n`, 65536);
    expect(events.map((e) => e.kind)).toEqual(['record', 'record', 'record']);
    expect((events[1] as { cells: string[] }).cells[1]).toHaveLength(1 << 20);
  });
});
