import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { freePort } from '../infra/net';
import { isolatedDatabase, runCli, type TestDatabase } from './helpers/harness';

// What an operator sees when something is wrong: one clear line per problem, the right exit
// code, and no stack trace unless --verbose.
let db: TestDatabase;
beforeAll(async () => {
  db = await isolatedDatabase();
});
afterAll(() => db?.drop());

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at /m);

describe('reachloop CLI', () => {
  it('--help teaches: commands and the configuration pointer', async () => {
    const res = await runCli(['--help']);
    expect(res.code).toBe(0);
    for (const cmd of ['demo', 'dev', 'smoke', 'migrate', 'worker', 'serve', 'config', 'setup']) expect(res.stdout).toContain(cmd);
  });

  it('usage errors exit 2', async () => {
    expect((await runCli(['no-such-command'])).code).toBe(2);
    const res = await runCli(['smoke', '--wait', 'soon']);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe('error: --wait must be a number of seconds, got "soon"');
  });

  it('an unreachable DATABASE_URL gives one line, exit 1', async () => {
    const port = await freePort();
    const res = await runCli(['migrate'], { DATABASE_URL: `postgres://someone:pw@127.0.0.1:${port}/nowhere` });
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toEqual([`error: cannot reach PostgreSQL at postgres://someone:***@127.0.0.1:${port}/nowhere: connect ECONNREFUSED 127.0.0.1:${port}`]);
    noStack(res.stderr);
  });

  it('a wrong Temporal address gives one line, exit 1', async () => {
    const port = await freePort();
    const res = await runCli(['smoke', '--wait', '0'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, DATABASE_URL: db.url });
    expect(res.code).toBe(1);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^error: cannot reach Temporal at 127\\.0\\.0\\.1:${port} \\(namespace default\\): `));
  });

  it('a wrong namespace on a real server is reported as such', async () => {
    const res = await runCli(['smoke'], { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'no-such-ns', DATABASE_URL: db.url });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/cannot reach Temporal at .* \(namespace no-such-ns\): .*no-such-ns/);
    noStack(res.stderr);
  });

  it('a missing Twilio token where Twilio is selected is named, exit 1', async () => {
    const res = await runCli(['worker'], { SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_FROM: '+15005550006' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('TWILIO_AUTH_TOKEN is required when SMS_PROVIDER=twilio');
    noStack(res.stderr);
  });

  it('--verbose adds the stack trace', async () => {
    const port = await freePort();
    const res = await runCli(['migrate', '--verbose'], { DATABASE_URL: `postgres://x@127.0.0.1:${port}/db` });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^\s+at /m);
  });

  it('config --json prints the effective configuration with secrets masked', async () => {
    const res = await runCli(['config', '--json'], { DATABASE_URL: 'postgres://u:topsecret@db:5432/x', HTTP_PORT: '9999' });
    expect(res.code).toBe(0);
    const printed = JSON.parse(res.stdout);
    expect(printed.database).toBe('postgres://u:***@db:5432/x');
    expect(printed.http.port).toBe(9999);
  });

  it('migrate --json reports what it applied', async () => {
    const fresh = await isolatedDatabase({ migrated: false });
    try {
      const first = JSON.parse((await runCli(['migrate', '--json'], { DATABASE_URL: fresh.url })).stdout);
      expect(first.applied.length).toBeGreaterThan(0);
      const second = JSON.parse((await runCli(['migrate', '--json'], { DATABASE_URL: fresh.url })).stdout);
      expect(second.applied).toEqual([]);
    } finally {
      await fresh.drop();
    }
  });
});

describe('output piped into a reader that stops early', () => {
  it('`reachloop recovery scan --help | head -1` ends quietly with 0, no EPIPE stack trace', async () => {
    const { spawnSync } = await import('node:child_process');
    const path = await import('node:path');
    const bin = path.join(__dirname, '..', 'bin', 'reachloop.mjs');
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" recovery scan --help | head -c 1 >/dev/null`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
  }, 60_000);
});

describe('files that are not text', () => {
  it('`events import` and `audience import` of a binary file or a folder exit 2 with one printable line', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-binary-'));
    const binary = path.join(dir, 'photo.jsonl');
    // A PNG header and bytes a terminal would act on (ESC sequences, BEL) when echoed.
    writeFileSync(binary, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x1b, 0x5b, 0x32, 0x4a, 0x07]), Buffer.alloc(64, 1)]));
    for (const args of [['events', 'import', binary], ['audience', 'import', binary], ['events', 'import', dir]]) {
      const res = await runCli(args);
      expect(res.code, args.join(' ')).toBe(2);
      const lines = res.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(args[2] === dir ? /is a folder, not a file/ : /is not a text file \(binary data at byte 8\)/);
      expect(res.stderr).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/);
    }
  }, 60_000);
});
