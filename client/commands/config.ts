import type { Command } from 'commander';
import { describeConfig } from '../../infra/config-display';
import { ENV_VARS } from '../../infra/config-vars';
import { configOrExit, emit, type GlobalOptions } from '../cli-kit';

export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('print the effective configuration (secrets masked) and the variables that set it')
    .option('--json', 'print as JSON')
    .addHelpText('after', `\nEnvironment variables:\n${Object.entries(ENV_VARS).map(([k, v]) => `  ${k.padEnd(30)} ${v}`).join('\n')}`)
    .action((opts: GlobalOptions) => {
      const effective = describeConfig(configOrExit());
      emit(effective, opts, (c) => renderTree(c));
    });
}

function renderTree(value: unknown, indent = ''): string {
  if (value === null || typeof value !== 'object') return String(value);
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) =>
      v !== null && typeof v === 'object' ? `${indent}${k}:\n${renderTree(v, `${indent}  `)}` : `${indent}${k}: ${v === undefined ? '(unset)' : String(v)}`,
    )
    .join('\n');
}
