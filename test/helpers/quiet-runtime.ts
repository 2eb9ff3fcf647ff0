import { DefaultLogger, Runtime } from '@temporalio/worker';

// Tests keep the SDK's own logs to warnings and errors.
Runtime.install({ logger: new DefaultLogger('WARN') });
