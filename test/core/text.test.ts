import { describe, expect, it } from 'vitest';
import { binaryOffset, storableText } from '../../core/text';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('binaryOffset: whether a file is text', () => {
  it.each([
    ['a CSV', bytes('phone,email\n+8613800138000,a@example.com\r\n'), -1],
    ['JSON Lines with tabs and a form feed', bytes('{"event":"order_paid"}\t\n\f{"event":"x"}\n'), -1],
    ['Chinese text', bytes('手机,姓名\n13800138000,张三\n'), -1],
    ['Latin-1 bytes (a row the importer rejects, not the file)', Uint8Array.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, 0x0a]), -1],
    ['a NUL byte', Uint8Array.from([0x61, 0x62, 0x00, 0x63]), 2],
    ['UTF-16 (NULs between the letters)', Uint8Array.from([0xff, 0xfe, 0x70, 0x00, 0x68, 0x00]), 3],
    ['mostly control bytes', Uint8Array.from([0x61, 0x01, 0x02, 0x03, 0x1b, 0x62]), 1],
    ['an empty file', new Uint8Array(), -1],
  ])('%s', (_name, head, expected) => {
    expect(binaryOffset(head)).toBe(expected);
  });
});

describe('storableText', () => {
  it('removes NUL and counts it; leaves other text alone', () => {
    expect(storableText('STOP\u0000')).toEqual({ text: 'STOP', stripped: 1 });
    expect(storableText('退订')).toEqual({ text: '退订', stripped: 0 });
  });
});
