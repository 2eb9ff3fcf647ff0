import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CampaignDefinitionError, parseCampaign, type CampaignDefinition } from '../core/campaign/definition';
import { checkCampaign, type Clamp } from '../core/policy/check';
import { CONTACT_POLICY } from '../core/policy/contact-policy';
import { UsageError } from './cli-kit';

/** Reads and validates a campaign file (YAML or JSON): a usage error with one line per problem. */
export function readCampaignFile(file: string): CampaignDefinition {
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw new UsageError(`no such file: ${file}`);
  }
  if (!isFile) throw new UsageError(`${file} is not a file`);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file} is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    return parseCampaign(raw);
  } catch (err) {
    if (err instanceof CampaignDefinitionError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
}

/** What the contact policy clamps in a campaign, as warning lines for stderr. */
export function clampWarnings(def: CampaignDefinition): { clamps: Clamp[]; text: string } {
  const clamps = checkCampaign(CONTACT_POLICY, def);
  return { clamps, text: clamps.map((c) => `warning: ${c.message} [${c.rule}]\n`).join('') };
}
