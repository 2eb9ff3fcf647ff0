import { randomBytes } from 'node:crypto';

// Data keys for one benchmark run (imported first by the benchmarks that write personal data
// themselves and also start worker processes): fresh keys in this process's environment unless
// set, so that its own seeding (infra/data-keys.ts reads the environment when nothing is
// installed) and every child it spawns with `...process.env` encrypt and hash alike. Without it
// the benchmark used keys generated under the project's state folder and its workers those of
// the run's own state folder, and every batch failed to decrypt its recipients.
process.env.REACHLOOP_DATA_KEYS ||= `b1:${randomBytes(32).toString('base64')}`;
process.env.REACHLOOP_LOOKUP_KEY ||= randomBytes(32).toString('base64');
