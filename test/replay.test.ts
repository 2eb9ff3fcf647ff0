import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { describe, expect, it } from 'vitest';
import { replayHistories } from './helpers/replay';

// Recorded histories (test/histories/*.json, refreshed with RECORD_HISTORIES=1 npm test) must
// replay against today's workflow code: a non-deterministic change fails here.
const dir = path.join(__dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('replay of recorded histories', () => {
  it('has histories to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
    const results = await replayHistories([{ workflowId: file, history }]);
    expect(results).toEqual([{ workflowId: file, error: undefined }]);
  });

  it('detects a history that the code cannot have produced', async () => {
    const file = files.find((f) => f.startsWith('smoke-'))!;
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
    // Tamper: the first activity now claims to be another activity type.
    const scheduled = history.events!.find((e) => e.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType = { name: 'somethingElse' };
    const [result] = await replayHistories([{ workflowId: 'tampered', history }]);
    expect(result!.error).toBeDefined();
  });
});
