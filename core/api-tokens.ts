/**
 * What an API token may do and how often: its scopes, its rate, the shape of its secret and of
 * its name. Pure (the random bytes and the digest come from the caller's crypto, in db/ and
 * server/). Every route of the JSON API names the one scope it needs (server/api-auth.ts).
 */

/** Every scope a token can carry, and what it opens. */
export const API_SCOPES = {
  'events:write': 'POST /v1/events: behaviour events (and unsubscribe events)',
  'messages:send': 'POST /v1/messages and GET /v1/messages/:id: single transactional messages',
  'contacts:read': 'GET /v1/contacts/:ref: a contact\'s profile, masked (audited)',
  'contacts:write': 'POST /v1/contacts/:ref/number-change: a customer reports a new number',
  privacy: 'GET /v1/contacts/:ref/export and POST /v1/contacts/:ref/erase: data subject requests (audited)',
} as const;

export type ApiScope = keyof typeof API_SCOPES;

export const isApiScope = (s: string): s is ApiScope => Object.hasOwn(API_SCOPES, s);

/**
 * The scopes of the legacy REACHLOOP_API_TOKEN: what it was documented for (event ingestion and
 * single messages), not the contact-changing or privacy routes: the token handed to an ingestion
 * system moved customers to another number (issue 17). Those need a token made with
 * `reachloop token create`.
 */
export const LEGACY_SCOPES: readonly ApiScope[] = ['events:write', 'messages:send'];

export interface ApiRate {
  max: number;
  windowMs: number;
}

/** The rate of a token created without --rate, and of the legacy token. */
export const DEFAULT_API_RATE: ApiRate = { max: 50, windowMs: 1_000 };

const UNITS: Readonly<Record<string, number>> = { s: 1_000, sec: 1_000, second: 1_000, m: 60_000, min: 60_000, minute: 60_000, h: 3_600_000, hour: 3_600_000 };

/** "50/s", "600/min", "10000/h" -> { max, windowMs }; null when it is not one of those. */
export function parseApiRate(text: string): ApiRate | null {
  const m = /^\s*(\d{1,7})\s*\/\s*([a-z]+)\s*$/i.exec(text);
  if (!m) return null;
  const max = Number(m[1]);
  const windowMs = UNITS[m[2]!.toLowerCase()];
  if (!windowMs || max < 1 || max > 1_000_000) return null;
  return { max, windowMs };
}

export function formatApiRate(r: ApiRate): string {
  const unit = r.windowMs === 1_000 ? 's' : r.windowMs === 60_000 ? 'min' : r.windowMs === 3_600_000 ? 'h' : `${r.windowMs}ms`;
  return `${r.max}/${unit}`;
}

/** A contact's reference in the API (contacts.public_id): ct_ + 32 hex digits of a random UUID. */
export const CONTACT_REF = /^ct_[0-9a-f]{32}$/;

/** Every token's secret starts with this, so a leaked one is recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = 'rl_';

/** The secret of a new token from 32 random bytes: rl_ + 43 base64url characters (256 bits). */
export const tokenSecret = (random: Uint8Array): string => {
  if (random.length < 32) throw new Error('a token needs 32 random bytes');
  return TOKEN_PREFIX + Buffer.from(random).toString('base64url');
};

/** Could this be a secret made by tokenSecret? (Anything else is not looked up.) */
export const looksLikeTokenSecret = (s: string): boolean => /^rl_[A-Za-z0-9_-]{43,86}$/.test(s);

/** A token name: letters, digits, dot, dash, underscore, 1-64, not only digits (an id is digits). */
export function tokenNameProblem(name: string): string | null {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) return 'must be 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit';
  if (/^\d+$/.test(name)) return 'must not be only digits (those name a token by its id)';
  return null;
}
