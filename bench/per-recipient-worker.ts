/**
 * Benchmark only: a worker process for bench/per-recipient-workflow.ts. Same activities and
 * channels as `reachloop worker` (configured from the environment), a pre-built bundle of the
 * bench workflow, its own task queue. Run by bench/campaign.ts:
 *   node --import tsx bench/per-recipient-worker.ts BUNDLE_PATH TASK_QUEUE
 */
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities, defaultActivityDeps } from '../activities';
import { connectPool } from '../db/pool';
import { loadConfig } from '../infra/config';
import { signingSecretOf, startChannels } from '../infra/channels';
import { connectWorkerConnection } from '../infra/temporal';

const [codePath, taskQueue] = process.argv.slice(2);
if (!codePath || !taskQueue) throw new Error('usage: per-recipient-worker.ts BUNDLE_PATH TASK_QUEUE');
Runtime.install({ logger: new DefaultLogger('ERROR') });
const config = loadConfig(process.env);
const pool = await connectPool(process.env.DATABASE_URL!, 20);
const connection = await connectWorkerConnection(process.env.TEMPORAL_ADDRESS!, config.temporal.namespace);
const channels = await startChannels(config, `${config.http.publicBaseUrl}/webhooks/twilio/inbound`);
const deps = defaultActivityDeps(pool, { sms: channels.sms, email: channels.email, publicBaseUrl: config.http.publicBaseUrl, signingSecret: signingSecretOf(config) });
const worker = await Worker.create({ connection, namespace: config.temporal.namespace, taskQueue, workflowBundle: { codePath }, activities: createActivities(deps) });
process.once('SIGTERM', () => worker.shutdown());
process.stderr.write('bench worker running\n');
await worker.run();
await connection.close();
await channels.stop();
await pool.end();
