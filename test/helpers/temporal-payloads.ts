import type { Client } from '@temporalio/client';

/** One recorded value and where it was (workflow type and id, or schedule id). */
export interface RecordedValue {
  where: string;
  text: string;
}

/**
 * What a Temporal namespace recorded, as text to search: for every workflow execution (open or
 * closed, every run), every string and every payload of its history (inputs, results, signals,
 * updates, activity inputs and results, failures, memos, search attributes; payload bytes decoded
 * as UTF-8, as they are JSON), and every schedule's description (its action's arguments, memo).
 * One entry per value, searched one by one, so that a search can tell where it found something.
 */
export async function recordedPayloads(client: Client): Promise<{ workflows: number; types: string[]; payloads: RecordedValue[] }> {
  const payloads: RecordedValue[] = [];
  const types = new Set<string>();
  let workflows = 0;
  for await (const w of client.workflow.list()) {
    workflows += 1;
    types.add(w.type);
    const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    collectStrings(history, `${w.type} ${w.workflowId}`, payloads);
  }
  for await (const s of client.schedule.list()) {
    const description = await client.schedule.getHandle(s.scheduleId).describe();
    payloads.push({ where: `schedule ${s.scheduleId}`, text: JSON.stringify(description, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) });
  }
  return { workflows, types: [...types].sort(), payloads };
}

/** Every string and payload (decoded as UTF-8) of a history or any recorded object, one by one. */
export function collectStrings(value: unknown, where: string, into: RecordedValue[] = []): RecordedValue[] {
  if (typeof value === 'string') into.push({ where, text: value });
  else if (value instanceof Uint8Array) into.push({ where, text: Buffer.from(value).toString('utf8') });
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, where, into);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) collectStrings(v, where, into);
  return into;
}
