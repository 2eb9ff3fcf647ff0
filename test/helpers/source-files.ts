import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** The repository's root, for tests that read its source files. */
export const ROOT = path.resolve(__dirname, '../..');

/** Every .ts file below `dir` (a path from the root), as paths from the root. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return rel.endsWith('.ts') ? [rel] : [];
  });
}

export const readSource = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

/** The code without its comments (strings kept). */
export const withoutComments = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
