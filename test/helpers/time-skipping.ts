import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';

/** A time-skipping test server of the test file's own (Temporal's Java test server binary). */
export const timeSkippingEnv = () =>
  TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('testServerPath') } } });
