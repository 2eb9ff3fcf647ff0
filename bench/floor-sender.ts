/**
 * Benchmark only (bench/campaign.ts): the floor of the campaign benchmark. The `twilio` library
 * with the HTTP client a worker uses (createTwilioSender, channels/twilio-http.ts), configured from
 * the same environment as `reachloop worker` (SMS_PROVIDER=twilio, TWILIO_*), sending straight to
 * the benchmark's sink: no Temporal, no decision, no ledger, no PostgreSQL. One process per
 * worker process of the campaign, the campaign's concurrency split between them.
 *   node --import tsx bench/floor-sender.ts NUMBERS_FILE FROM_LINE COUNT CONCURRENCY BRAND
 * Prints "floor ready" on stderr once the sender exists, starts on a line on stdin, prints
 * {"sent","failed","seconds"} on stdout and exits.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createTwilioSender } from '../channels/twilio';
import { mapConcurrent } from '../services/pacing';
import { loadConfig } from '../infra/config';

const [file, fromLine, count, concurrency, brand] = process.argv.slice(2);
if (!file || !fromLine || !count || !concurrency || !brand) throw new Error('usage: floor-sender.ts NUMBERS_FILE FROM_LINE COUNT CONCURRENCY BRAND');
const config = loadConfig(process.env);
if (config.sms.provider !== 'twilio') throw new Error('floor-sender: SMS_PROVIDER=twilio is required');
const sms = createTwilioSender(config.sms);
const first = Number(fromLine);
const numbers = readFileSync(file, 'utf8').split('\n').slice(first, first + Number(count));
const statusCallbackUrl = `${config.http.publicBaseUrl}/webhooks/twilio/status`;

process.stderr.write('floor ready\n');
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
let sent = 0;
let failed = 0;
const t0 = performance.now();
await mapConcurrent(numbers.map((to, i) => ({ to, i: first + i + 1 })), Number(concurrency), async ({ to, i }) => {
  // The body the campaign's English template makes for this recipient.
  const r = await sms.send({ to, body: `${brand}: hi Customer ${i}, our winter sale starts today, 20% off everything.`, statusCallbackUrl, ledgerId: `floor-${i}` });
  if (r.ok) sent++;
  else failed++;
});
process.stdout.write(`${JSON.stringify({ sent, failed, seconds: (performance.now() - t0) / 1000 })}\n`);
process.exit(0);
