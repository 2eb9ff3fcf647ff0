import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured logs on stderr (stdout is for command output). Never log raw phone numbers or e-mails. */
export function createLogger(level: string, name = 'reachloop'): Logger {
  return pino({ name, level }, pino.destination(2));
}
