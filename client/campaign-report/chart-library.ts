import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The browser build of Chart.js (its UMD bundle, minified, with its MIT licence banner), inlined
 * into the HTML report so the file draws its charts with no network. The version is pinned in
 * package.json; the bundle is not in the package's exports map, so it is found beside its entry.
 */
export function chartLibrarySource(): string {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(path.join(path.dirname(entry), 'chart.umd.min.js'), 'utf8');
}
