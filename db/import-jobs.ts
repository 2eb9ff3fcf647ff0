/**
 * The lifecycle of an import job, a contact file (`imports`) or an event file (`event_imports`):
 * uploaded (checksum and rows read), started (its workflow), completed (its report) or failed.
 * Both tables keep these columns alike, so one set of queries serves both.
 */
import type { ImportOptions } from './intake';
import type { Pool } from './pool';

export type ImportJob = 'contacts' | 'events';

const TABLE: Record<ImportJob, string> = { contacts: 'imports', events: 'event_imports' };

/** The file is staged: its checksum and the rows read; the workflow takes it from here. */
export async function markImportUploaded(pool: Pool, job: ImportJob, importId: number, sha256: string, rowsRead: number): Promise<void> {
  await pool.query(`UPDATE ${TABLE[job]} SET file_sha256 = $2, rows_read = $3, status = 'processing' WHERE id = $1`, [importId, sha256, rowsRead]);
}

/** The upload failed: the job ends without a report. */
export async function markImportFailed(pool: Pool, job: ImportJob, importId: number): Promise<void> {
  await pool.query(`UPDATE ${TABLE[job]} SET status = 'failed', finished_at = now() WHERE id = $1`, [importId]);
}

/** The workflow that processes the job (for status and progress). */
export async function setImportWorkflow(pool: Pool, job: ImportJob, importId: number, workflowId: string): Promise<void> {
  await pool.query(`UPDATE ${TABLE[job]} SET workflow_id = $2 WHERE id = $1`, [importId, workflowId]);
}

/** The job is done: its report is stored. */
export async function completeImport(pool: Pool, job: ImportJob, importId: number, report: unknown): Promise<void> {
  await pool.query(`UPDATE ${TABLE[job]} SET status = 'completed', report = $2, finished_at = now() WHERE id = $1`, [importId, report]);
}

/** The options a contact import was started with. */
export async function importOptions(pool: Pool, importId: number): Promise<ImportOptions> {
  const { rows } = await pool.query<{ options: ImportOptions }>('SELECT options FROM imports WHERE id = $1', [importId]);
  if (!rows[0]) throw new Error(`import ${importId} does not exist`);
  return rows[0].options;
}
