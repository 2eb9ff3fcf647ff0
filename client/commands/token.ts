import { withPool } from '../session';
import type { Command } from 'commander';
import { API_SCOPES, DEFAULT_API_RATE, formatApiRate, isApiScope, parseApiRate, tokenNameProblem, type ApiScope } from '../../core/api-tokens';
import { createApiToken, listApiTokens, revokeApiToken, TokenNameTaken, type ApiTokenRow } from '../../db/api-tokens';
import { CliError, emit, UsageError, type GlobalOptions } from '../cli-kit';

const SCOPE_HELP = Object.entries(API_SCOPES)
  .map(([s, what]) => `  ${s.padEnd(15)} ${what}`)
  .join('\n');

/** `reachloop token create|list|revoke`: the bearer tokens of the JSON API, each with its scopes and rate. */
export function registerToken(program: Command): void {
  const token = program
    .command('token')
    .description('bearer tokens of the JSON API (/v1/...): create with scopes and a rate, list, revoke')
    .addHelpText(
      'after',
      `
Every request to the JSON API carries "Authorization: Bearer <token>". A token opens only the routes
of its scopes (403 missing_scope otherwise) and only at its rate (429 with Retry-After above it).
Only a SHA-256 of each token is stored: the secret is printed once, by create, and never again.

Scopes:
${SCOPE_HELP}

The legacy REACHLOOP_API_TOKEN still works with events:write and messages:send only (deprecated).`,
    );

  token
    .command('create')
    .description('create a token and print its secret (once)')
    .option('--scope <scope>', 'a scope the token gets (repeat for more)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--name <name>', 'a name to list and revoke it by (default token-<id>)')
    .option('--rate <n/unit>', `requests it may make, e.g. 50/s, 600/min, 10000/h (default ${formatApiRate(DEFAULT_API_RATE)})`)
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      `
Examples:
  reachloop token create --scope events:write --name shop-events --rate 50/s
  reachloop token create --scope contacts:write --scope contacts:read --name support-desk
Store the printed secret in the calling system's secret store: it cannot be shown again.`,
    )
    .action(async (flags: GlobalOptions & { scope?: string[]; name?: string; rate?: string }) => {
      if (!flags.scope?.length) throw new UsageError(`give at least one --scope: ${Object.keys(API_SCOPES).join(', ')}`);
      const unknown = flags.scope.filter((s) => !isApiScope(s));
      if (unknown.length) throw new UsageError(`unknown scope ${unknown.join(', ')}: one of ${Object.keys(API_SCOPES).join(', ')}`);
      const nameProblem = flags.name === undefined ? null : tokenNameProblem(flags.name);
      if (nameProblem) throw new UsageError(`--name ${nameProblem}`);
      const rate = flags.rate === undefined ? DEFAULT_API_RATE : parseApiRate(flags.rate);
      if (!rate) throw new UsageError(`--rate must look like 50/s, 600/min or 10000/h (1 to 1000000 per unit), got "${flags.rate}"`);
      await withPool(async (pool) => {
        try {
          const { token: t, secret } = await createApiToken(pool, { ...(flags.name ? { name: flags.name } : {}), scopes: flags.scope as ApiScope[], rate });
          emit({ ...view(t), secret }, flags, (x) => `token ${x.id} "${x.name}" (${x.scopes.join(', ')}, ${x.rate}):\n${x.secret}\nshown once: store it now`);
        } catch (err) {
          if (err instanceof TokenNameTaken) throw new UsageError(err.message);
          throw err;
        }
      });
    });

  token
    .command('list')
    .description('every token: name, scopes, rate, created, last used, revoked (never the secret)')
    .option('--json', 'print as JSON')
    .action(async (flags: GlobalOptions) => {
      await withPool(async (pool) => {
        const rows = (await listApiTokens(pool)).map(view);
        emit(rows, flags, (xs) =>
          xs.length
            ? xs.map((x) => `${String(x.id).padStart(4)}  ${x.name.padEnd(20)} ${x.scopes.join(',').padEnd(30)} ${x.rate.padEnd(9)} created ${x.createdAt}  last used ${x.lastUsedAt ?? 'never'}${x.revokedAt ? `  REVOKED ${x.revokedAt}` : ''}`).join('\n')
            : 'no tokens: create one with `reachloop token create --scope ...`',
        );
      });
    });

  token
    .command('revoke <id-or-name>')
    .description('revoke a token at once: every later request with it gets 401 token_revoked')
    .option('--json', 'print as JSON')
    .action(async (idOrName: string, flags: GlobalOptions) => {
      await withPool(async (pool) => {
        const r = await revokeApiToken(pool, idOrName, new Date());
        if (!r) throw new CliError(`no token ${JSON.stringify(idOrName)} (see \`reachloop token list\`)`);
        emit({ ...view(r.token), alreadyRevoked: r.already }, flags, (x) => (x.alreadyRevoked ? `token ${x.id} "${x.name}" was revoked already (${x.revokedAt})` : `token ${x.id} "${x.name}" revoked`));
      });
    });
}

function view(t: ApiTokenRow) {
  return {
    id: t.id,
    name: t.name,
    scopes: t.scopes,
    rate: formatApiRate(t.rate),
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
  };
}

