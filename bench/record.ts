import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../infra/paths';

/** The machine a figure was measured on, recorded beside it. */
export function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** Prints the figures and writes them to bench/results/NAME.json with the date and machine. */
export function record(name: string, figures: Record<string, unknown>): void {
  const entry = { benchmark: name, date: new Date().toISOString(), machine: machine(), figures };
  const dir = path.join(projectRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(entry, null, 2)}\n`);
  console.log(JSON.stringify(entry, null, 2));
}
