import { CampaignDefinitionError, parseCampaign } from '../../core/campaign/definition';

/** The problems parseCampaign reports, or [] when it accepts the input. */
export function definitionProblems(raw: unknown): string[] {
  try {
    parseCampaign(raw);
    return [];
  } catch (e) {
    if (!(e instanceof CampaignDefinitionError)) throw e;
    return e.problems;
  }
}
