import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '../../infra/config';

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
});
