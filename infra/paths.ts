import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The folder that holds package.json: the project root, wherever the CLI is started from. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where downloaded tools (Temporal CLI, test server) are cached; git-ignored. */
export const toolsDir = path.join(projectRoot, '.tools');

export const workflowsPath = path.join(projectRoot, 'workflows', 'index.ts');
export const migrationsDir = path.join(projectRoot, 'db', 'migrations');
