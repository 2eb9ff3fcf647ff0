import { randomBytes } from 'node:crypto';

// Data keys for a unit run (infra/data-keys.ts reads them from the environment when none are
// installed); the integration project's global setup sets them once for the run instead.
process.env.REACHLOOP_DATA_KEYS ??= `u1:${randomBytes(32).toString('base64')}`;
process.env.REACHLOOP_LOOKUP_KEY ??= randomBytes(32).toString('base64');
