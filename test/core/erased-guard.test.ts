import { describe, expect, it } from 'vitest';
import { readSource as read, sourceFiles, withoutComments as code } from '../helpers/source-files';

// An erased person is never messaged again (issue 17 item 4; test/erased-paths.test.ts drives each
// path). This guard keeps it so: every module that calls a provider's send (an SmsSender's or
// EmailSender's `send`) is known, and each known one goes through the erased check of db/privacy.ts
// (ERASED_IDENTIFIER_SQL, erasedContacts). A new caller of a send fails here until it is listed
// with its check.

/** Where the code calls a sender's `send` (`deps.sms.send(`, `sms.send(`, `email.send(`). */
const SEND_CALL = /\b(?:sms|email)\.send\(/;

/** The modules below the channels that call a sender, in the folders where application code lives. */
function sendCallers(files: ReadonlyArray<{ file: string; text: string }>): string[] {
  return files.filter((f) => SEND_CALL.test(code(f.text))).map((f) => f.file).sort();
}

const APP_DIRS = ['activities', 'services', 'server', 'client', 'workflows', 'worker', 'infra', 'db', 'core', 'bin'];
const appFiles = () => APP_DIRS.flatMap((d) => sourceFiles(d)).map((file) => ({ file, text: read(file) }));

/** Index of `needle` in the code of `file`, -1 when absent. */
const at = (file: string, needle: string) => code(read(file)).indexOf(needle);

describe('every send path checks erased identifiers', () => {
  it('the modules that call a provider\'s send are exactly the two known ones', () => {
    expect(sendCallers(appFiles())).toEqual(['activities/dispatch-send.ts', 'activities/recovery-send.ts']);
  });

  it('a planted call of a sender is found', () => {
    expect(sendCallers([{ file: 'services/shortcut.ts', text: 'export const go = (deps) => deps.email.send({ to: "x" });' }])).toEqual(['services/shortcut.ts']);
    expect(sendCallers([{ file: 'services/commented.ts', text: '// deps.sms.send(...) is not called here' }])).toEqual([]);
  });

  it('campaign sends (marketing, transactional API messages, consent confirmations, welcome-backs) decide on recipients read with the erased check', () => {
    // dispatch-send.ts sends to the RecipientRecords dispatch.ts read with loadRecipients ...
    expect(at('activities/dispatch-send.ts', 'record: RecipientRecord')).toBeGreaterThan(-1);
    expect(at('activities/dispatch.ts', 'await loadRecipients(')).toBeGreaterThan(-1);
    // ... whose suppressions include the erased identifiers, a 'manual' kind on both channels (SKIP suppressed).
    expect(at('db/recipients.ts', '${ERASED_IDENTIFIER_SQL} AS erased_identifier')).toBeGreaterThan(-1);
    expect(at('db/recipients.ts', 'suppressionsOf(r.suppression_pairs, r.pending_sms_opt_out, r.erased_identifier)')).toBeGreaterThan(-1);
  });

  it('every recovery SMS (confirmation, reminder, current-number notice) is checked right before its ledger row and provider call', () => {
    const check = at('activities/recovery-send.ts', 'erasedContacts(deps.pool, [m.contactId])');
    expect(check).toBeGreaterThan(-1);
    expect(check).toBeLessThan(at('activities/recovery-send.ts', 'reserveRecoverySend('));
    expect(check).toBeLessThan(at('activities/recovery-send.ts', '.sms.send('));
  });

  it('the selections that lead to a send read the same condition: consent confirmations, dead numbers, candidates, the views read at send time', () => {
    for (const [file, where] of [
      ['db/consent-confirmations.ts', 'NOT ${ERASED_IDENTIFIER_SQL}'],
      ['db/recovery.ts', 'NOT ${ERASED_IDENTIFIER_SQL}'],
      ['db/recovery.ts', 'AS erased'],
      ['db/recovery-links.ts', '${ERASED_IDENTIFIER_SQL} AS erased'],
      ['db/number-change.ts', '${ERASED_IDENTIFIER_SQL} AS erased'],
      ['services/inbound.ts', 'erasedContacts('],
      ['services/number-change.ts', 'erasedContacts('],
    ] as const)
      expect(at(file, where), `${file}: ${where}`).toBeGreaterThan(-1);
  });
});
