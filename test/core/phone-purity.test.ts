import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// core/phone must stay pure: no I/O, no clock, no randomness, no Node builtins, so that Temporal
// workflow code can import it. Only relative imports and libphonenumber-js/max are allowed.

const dir = join(import.meta.dirname, '../../core/phone');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

describe('core/phone purity', () => {
  it('has source files', () => {
    expect(files).toContain('index.ts');
  });

  it.each(files)('%s imports nothing but libphonenumber-js/max and siblings, and uses no clock or I/O', (file) => {
    const src = readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('//'))
      .join('\n');
    const specifiers = [...src.matchAll(/\bfrom\s+'([^']+)'|\bimport\s*\(\s*'([^']+)'/g)].map((m) => m[1] ?? m[2]);
    for (const s of specifiers) expect([file, s]).toSatisfy(([, x]) => x === 'libphonenumber-js/max' || /^\.\.?\//.test(x));
    expect(src).not.toMatch(/\brequire\s*\(|\bprocess\.|Date\.now|new Date\b|Math\.random|performance\.now|setTimeout|fetch\s*\(/);
  });
});
