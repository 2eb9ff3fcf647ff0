import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../infra/config';
import { describeConfig } from '../../infra/config-display';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
};

const TWILIO_OK = {
  SMS_PROVIDER: 'twilio',
  TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'secret-token-1234',
  TWILIO_FROM: '+15005550006',
};

describe('configuration from the environment', () => {
  it('has safe defaults: embedded servers, sandbox channels', () => {
    const c = loadConfig({});
    expect(c.temporal.address).toBeUndefined();
    expect(c.databaseUrl).toBeUndefined();
    expect(c.temporal).toMatchObject({ namespace: 'default', taskQueue: 'reachloop' });
    expect(c.sms).toEqual({ provider: 'sandbox' });
    expect(c.email.provider).toBe('sandbox');
    expect(c.http).toMatchObject({ host: '127.0.0.1', port: 8080, publicBaseUrl: 'http://127.0.0.1:8080' });
    expect(c.sentSweepAfterMs).toBe(3_600_000);
    expect(loadConfig({ SENT_SWEEP_AFTER: '90m' }).sentSweepAfterMs).toBe(90 * 60_000);
  });

  it.each([
    [{ HTTP_PORT: 'abc' }, 'HTTP_PORT must be a port number (got "abc")'],
    [{ HTTP_PORT: '70000' }, 'HTTP_PORT must be 1-65535 (got "70000")'],
    [{ TEMPORAL_ADDRESS: 'http://x:7233' }, 'TEMPORAL_ADDRESS must be host:port, e.g. localhost:7233 (got "http://x:7233")'],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL must be a URL starting with postgres:// or postgresql:// (got "mysql://x/y")'],
    [{ SMS_PROVIDER: 'carrier-pigeon' }, 'SMS_PROVIDER must be sandbox or twilio (got "carrier-pigeon")'],
    [{ SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: TWILIO_OK.TWILIO_ACCOUNT_SID, TWILIO_FROM: '+15005550006' }, 'TWILIO_AUTH_TOKEN is required when SMS_PROVIDER=twilio'],
    [{ EMAIL_PROVIDER: 'smtp' }, 'SMTP_URL is required when EMAIL_PROVIDER=smtp'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace (got "loud")'],
    [{ SENT_SWEEP_AFTER: 'soon' }, 'SENT_SWEEP_AFTER must be a duration from 1m to 30d, such as 1h or 90m (got "soon")'],
    [{ SENT_SWEEP_AFTER: '10s' }, 'SENT_SWEEP_AFTER must be a duration from 1m to 30d, such as 1h or 90m (got "10s")'],
  ])('%o is rejected with one readable line', (env, line) => {
    expect(problemsOf(env)).toEqual([line]);
  });

  it('reports every problem at once, one line each', () => {
    const problems = problemsOf({ HTTP_PORT: 'x', SMS_PROVIDER: 'twilio', LOG_LEVEL: 'loud' });
    expect(problems).toHaveLength(5); // port, log level, and three missing Twilio settings
  });

  it('never echoes a secret in an error', () => {
    const problems = problemsOf({ ...TWILIO_OK, TWILIO_AUTH_TOKEN: 'supersecret', TWILIO_FROM: 'nope' });
    expect(problems.join('\n')).not.toContain('supersecret');
  });

  it('masks secrets when printed', () => {
    const printed = JSON.stringify(
      describeConfig(loadConfig({ ...TWILIO_OK, EMAIL_PROVIDER: 'smtp', SMTP_URL: 'smtp://user:hunter2@mail:587', DATABASE_URL: 'postgres://u:pw123@db/x' })),
    );
    expect(printed).not.toContain('secret-token-1234');
    expect(printed).toContain('***1234');
    expect(printed).not.toContain('hunter2');
    expect(printed).not.toContain('pw123');
  });

  describe('LOOKUP_PROVIDER', () => {
    const SANDBOX_REFUSED = 'LOOKUP_PROVIDER=sandbox makes up carrier answers and cannot run with real Twilio channels (SMS_PROVIDER=twilio): use LOOKUP_PROVIDER=twilio or none';
    it.each<[string, Record<string, string>, string]>([
      ['sandbox SMS: the sandbox carrier', {}, 'sandbox'],
      ['Twilio SMS: Twilio Lookup', TWILIO_OK, 'twilio'],
      ['none with Twilio SMS', { ...TWILIO_OK, LOOKUP_PROVIDER: 'none' }, 'none'],
      ['none with the sandbox', { LOOKUP_PROVIDER: 'none' }, 'none'],
      ['Twilio Lookup with sandbox SMS, given credentials', { LOOKUP_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: TWILIO_OK.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: 'secret-token-1234' }, 'twilio'],
    ])('%s', (_what, env, provider) => {
      expect(loadConfig(env).lookup.provider).toBe(provider);
    });

    it.each<[Record<string, string>, string[]]>([
      [{ ...TWILIO_OK, LOOKUP_PROVIDER: 'sandbox' }, [SANDBOX_REFUSED]],
      [{ LOOKUP_PROVIDER: 'hlr' }, ['LOOKUP_PROVIDER must be twilio, none or sandbox (got "hlr")']],
      [{ LOOKUP_PROVIDER: 'twilio' }, ['TWILIO_ACCOUNT_SID is required when LOOKUP_PROVIDER=twilio', 'TWILIO_AUTH_TOKEN is required when LOOKUP_PROVIDER=twilio']],
      [{ ...TWILIO_OK, LOOKUP_CACHE_TTL: 'a month' }, ['LOOKUP_CACHE_TTL must be a duration such as 30d, 12h or 0s (no cache) (got "a month")']],
      [{ ...TWILIO_OK, LOOKUP_RATE_PER_SECOND: '0' }, ['LOOKUP_RATE_PER_SECOND must be more than 0 (got "0")']],
      [{ ...TWILIO_OK, LOOKUP_LINE_STATUS: 'yes' }, ['LOOKUP_LINE_STATUS must be on or off (got "yes")']],
      // Twilio SMS without credentials: reported once, by SMS_PROVIDER, not again by the lookup.
      [{ SMS_PROVIDER: 'twilio', TWILIO_FROM: '+15005550006', LOOKUP_PROVIDER: 'twilio' }, ['TWILIO_ACCOUNT_SID is required when SMS_PROVIDER=twilio', 'TWILIO_AUTH_TOKEN is required when SMS_PROVIDER=twilio']],
    ])('%o is rejected with readable lines', (env, lines) => {
      expect(problemsOf(env)).toEqual(lines);
    });

    it('Twilio Lookup takes the Twilio credentials, the API base and the operational defaults; the token is masked when printed', () => {
      const c = loadConfig({ ...TWILIO_OK, TWILIO_API_BASE: 'http://127.0.0.1:4010' });
      expect(c.lookup).toEqual({
        provider: 'twilio',
        accountSid: TWILIO_OK.TWILIO_ACCOUNT_SID,
        authToken: 'secret-token-1234',
        apiBase: 'http://127.0.0.1:4010',
        lineStatus: false,
        cacheTtlMs: 30 * 86_400_000,
        ratePerSecond: 10,
      });
      const tuned = loadConfig({ ...TWILIO_OK, LOOKUP_CACHE_TTL: '12h', LOOKUP_RATE_PER_SECOND: '2.5', LOOKUP_LINE_STATUS: 'on' }).lookup;
      expect(tuned).toMatchObject({ cacheTtlMs: 12 * 3_600_000, ratePerSecond: 2.5, lineStatus: true });
      expect(JSON.stringify(describeConfig(c))).not.toContain('secret-token-1234');
    });
  });
});

describe('data key configuration', () => {
  const K1 = randomBytes(32);
  const K2 = randomBytes(32);
  const LOOKUP = randomBytes(32);
  const b64 = (b: Buffer) => b.toString('base64');

  it('reads the keys, the active one (default: the first) and the lookup key', () => {
    const config = loadConfig({ REACHLOOP_DATA_KEYS: `k2:${b64(K2)},k1:${b64(K1)}`, REACHLOOP_LOOKUP_KEY: b64(LOOKUP) });
    expect(config.dataKeys?.activeId).toBe('k2');
    expect(config.dataKeys?.keys.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(loadConfig({ REACHLOOP_DATA_KEYS: `k2:${b64(K2)},k1:${b64(K1)}`, REACHLOOP_DATA_KEY_ID: 'k1', REACHLOOP_LOOKUP_KEY: b64(LOOKUP) }).dataKeys?.activeId).toBe('k1');
    expect(loadConfig({}).dataKeys).toBeUndefined();
    const shown = JSON.stringify(describeConfig(config));
    expect(shown).not.toContain(b64(K1));
    expect(shown).not.toContain(b64(LOOKUP));
    expect(config.dataKeys?.lookupKeys).toEqual([LOOKUP]);
  });

  it('reads a lookup key chain, oldest first, and never shows it', () => {
    const config = loadConfig({ REACHLOOP_DATA_KEYS: `k1:${b64(K1)}`, REACHLOOP_LOOKUP_KEY: `${b64(LOOKUP)}, ${b64(K2)}` });
    expect(config.dataKeys?.lookupKeys).toEqual([LOOKUP, K2]);
    expect(JSON.stringify(describeConfig(config))).not.toContain(b64(K2));
  });

  it.each([
    ['a key that is not 32 bytes', { REACHLOOP_DATA_KEYS: `k1:${b64(randomBytes(16))}`, REACHLOOP_LOOKUP_KEY: b64(LOOKUP) }, /REACHLOOP_DATA_KEYS key "k1" must be the base64 of 32 bytes/],
    ['an entry without an id', { REACHLOOP_DATA_KEYS: b64(K1), REACHLOOP_LOOKUP_KEY: b64(LOOKUP) }, /entry 1 must be id:base64/],
    ['an id given twice', { REACHLOOP_DATA_KEYS: `k1:${b64(K1)},k1:${b64(K2)}`, REACHLOOP_LOOKUP_KEY: b64(LOOKUP) }, /"k1" is given twice/],
    ['data keys without a lookup key', { REACHLOOP_DATA_KEYS: `k1:${b64(K1)}` }, /set together or not at all/],
    ['a bad lookup key', { REACHLOOP_DATA_KEYS: `k1:${b64(K1)}`, REACHLOOP_LOOKUP_KEY: 'secret' }, /REACHLOOP_LOOKUP_KEY must be the base64 of 32 bytes/],
    ['a bad key in a lookup chain', { REACHLOOP_DATA_KEYS: `k1:${b64(K1)}`, REACHLOOP_LOOKUP_KEY: `${b64(LOOKUP)},${b64(randomBytes(16))}` }, /REACHLOOP_LOOKUP_KEY entry 2 must be the base64 of 32 bytes \(a chain is base64 keys, comma-separated, oldest first\)/],
    ['a lookup chain that repeats a key', { REACHLOOP_DATA_KEYS: `k1:${b64(K1)}`, REACHLOOP_LOOKUP_KEY: `${b64(LOOKUP)},${b64(K2)},${b64(LOOKUP)}` }, /REACHLOOP_LOOKUP_KEY entry 3 repeats an earlier key of the chain/],
    ['an active id that is not a key', { REACHLOOP_DATA_KEYS: `k1:${b64(K1)}`, REACHLOOP_DATA_KEY_ID: 'k9', REACHLOOP_LOOKUP_KEY: b64(LOOKUP) }, /REACHLOOP_DATA_KEY_ID "k9" is not an id/],
  ])('refuses %s with a clear message that never shows a key', (_, env, message) => {
    const list = problemsOf(env as Record<string, string>);
    expect(list.join('\n')).toMatch(message);
    expect(list.join('\n')).not.toContain(b64(K1));
    expect(list.join('\n')).not.toContain(b64(LOOKUP));
  });
});
