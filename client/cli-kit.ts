import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { binaryOffset } from '../core/text';
import { ConfigError, loadConfig, type Config } from '../infra/config';
import { dataCodecOf, installDataKeys } from '../infra/data-keys';
import { runningDevStack } from '../infra/stack';

/** Exit codes of every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A failure the user can act on: printed as one line, exit 1, no stack trace. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.failed) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}

/** Flags shared by the file-import commands (`audience import`, `events import`). */
export const importFlags = {
  /** The file exists, or a usage error. */
  file(file: string): void {
    if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
    if (statSync(file).isDirectory()) throw new UsageError(`${file} is a folder, not a file`);
    const fd = openSync(file, 'r');
    const head = Buffer.alloc(8_192);
    const n = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    const at = binaryOffset(head.subarray(0, n));
    if (at >= 0) throw new UsageError(`${file} is not a text file (binary data at byte ${at}): expected UTF-8 CSV or JSON Lines`);
  },
  /** --default-country: a two-letter ISO code (upper-cased), or undefined when not given. */
  country(value: string | undefined): string | undefined {
    const country = value?.toUpperCase();
    if (country !== undefined && !/^[A-Z]{2}$/.test(country)) throw new UsageError(`--default-country must be a two-letter ISO code such as CN or US, got "${value}"`);
    return country;
  },
  /** --mapping FILE (or the JSON itself, written inline: '{"phone": "Mobile"}'): the document, or a usage error naming it. */
  mappingJson(value: string, flag = 'mapping'): unknown {
    const inline = value.trimStart().startsWith('{');
    try {
      return JSON.parse(inline ? value : readFileSync(value, 'utf8'));
    } catch (err) {
      throw new UsageError(`--${flag} ${inline ? '(inline JSON)' : value}: ${(err as Error).message}`);
    }
  },
  /** A whole number flag from 1 to max. */
  positive(name: string, value: string, max: number): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}, got "${value}"`);
    return n;
  },
};

export interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
}

/** Prints data as JSON with --json, or through the human renderer. */
export function emit<T>(data: T, opts: GlobalOptions, human: (data: T) => string): void {
  process.stdout.write(opts.json ? `${JSON.stringify(data, null, 2)}\n` : `${human(data)}\n`);
}

/** Reads the configuration; a ConfigError lists every problem, one per line. */
export function configOrExit(): Config {
  const config = loadConfig(process.env);
  installDataKeys(() => dataCodecOf(config));
  return config;
}

const NO_STACK_HINT = 'start the embedded stack with `reachloop dev` (or run `reachloop demo`)';

/** The PostgreSQL URL: DATABASE_URL, else that of a running `reachloop dev`. */
export function resolveDatabaseUrl(config: Config): string {
  const url = config.databaseUrl ?? runningDevStack(config.stateDir)?.databaseUrl;
  if (!url) throw new CliError(`no DATABASE_URL set and no \`reachloop dev\` running: set DATABASE_URL, or ${NO_STACK_HINT}`);
  return url;
}

/** The Temporal frontend: TEMPORAL_ADDRESS, else that of a running `reachloop dev`. */
export function resolveTemporalAddress(config: Config): string {
  const address = config.temporal.address ?? runningDevStack(config.stateDir)?.temporalAddress;
  if (!address) throw new CliError(`no TEMPORAL_ADDRESS set and no \`reachloop dev\` running: set TEMPORAL_ADDRESS, or ${NO_STACK_HINT}`);
  return address;
}

/** Formats any error for the terminal: one line per problem; the stack only with --verbose. */
export function formatError(err: unknown, verbose: boolean): string {
  if (err instanceof ConfigError) return `error: ${err.message}`;
  const e = err as Error;
  const message = e?.message ?? String(err);
  return verbose && e?.stack ? `error: ${e.stack}` : `error: ${message}`;
}

export function exitCodeOf(err: unknown): number {
  return err instanceof CliError ? err.exitCode : EXIT.failed;
}
