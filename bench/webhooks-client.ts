/**
 * The load generator of bench/webhooks.ts, a child process of its own (as Twilio's senders would
 * be, and not competing with the server for its event loop): receives the signed requests over
 * IPC, POSTs them over keep-alive HTTP with `concurrency` in flight, and reports the answers'
 * bodies by count.
 */
import http from 'node:http';
import { postSigned, type SignedRequest } from './signed-post';

const { requests, concurrency } = await new Promise<{ requests: SignedRequest[]; concurrency: number }>((resolve) => process.once('message', resolve as never));
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const post = (r: SignedRequest) => postSigned(agent, r);

process.send!({ started: true });
const results: Record<string, number> = {};
let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < requests.length) {
      const out = await post(requests[next++]!);
      results[out] = (results[out] ?? 0) + 1;
    }
  }),
);
const ms = performance.now() - t0;
agent.destroy();
process.send!({ ms, results }, () => process.exit(0));
