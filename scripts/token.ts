/**
 * osr token --role BOARD --board 41234 --rights OSR_TOEGANG [--name "J. de Vries"] [--expires 1h]   (npm run token)
 * osr token --role SUPPLIER --supplier 00000003272448340204
 * osr token --role SUPPORT | --role ANALYST
 *
 * Prints a development token signed with the local key (made under <data folder>/dev-keys on
 * first use), the one a local gateway (`osr start`) verifies. Only the token goes to stdout,
 * so that `TOKEN=$(npx osr token ...)` takes it; with --json the one JSON document holds it.
 */
import { bevoegdGezagNummerProblem, oinProblem, rights as knownRights } from '@osr/common';
import type { CommandSpec } from '@osr/common/cli';
import { defaultKeyDir, ensureDevKeys, readPrivateKey, signDevToken, type TokenClaims } from './dev-keys.js';

const ROLES = ['BOARD', 'SUPPLIER', 'SUPPORT', 'ANALYST'] as const;

export const token: CommandSpec = {
  group: 'token',
  alias: 'token',
  summary: 'print a development token signed with the local key (for a local gateway)',
  options: [
    { flags: '--role <role>', description: 'BOARD, SUPPLIER, SUPPORT or ANALYST' },
    { flags: '--board <nummer>', description: 'the board (bevoegd gezag nummer) of a BOARD token' },
    { flags: '--supplier <oin>', description: 'the supplier\'s OIN of a SUPPLIER token' },
    { flags: '--rights <list>', description: `comma-separated rights (${knownRights.join(', ')})` },
    { flags: '--name <name>', description: 'the name in the token (default: its subject)' },
    { flags: '--sub <subject>', description: 'the subject (default: dev-<role>[-<board>][-<supplier>])' },
    { flags: '--expires <span>', description: 'lifetime, e.g. 30m or 1h (a local gateway accepts at most an hour)', default: '1h' },
  ],
  help: 'The key pair lives in <OSR_DATA_DIR>/dev-keys: a token is accepted by a gateway started on the same data folder.\nExample: TOKEN=$(npx osr token --role BOARD --board 41234 --rights OSR_TOEGANG)',
  async run(_args, values, { out, env }) {
    const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
    const role = text('role') as TokenClaims['role'] | undefined;
    if (!role || !(ROLES as readonly string[]).includes(role)) return out.fail(`--role must be ${ROLES.slice(0, -1).join(', ')} or ${ROLES.at(-1)}`);
    const rights = (text('rights') ?? '').split(',').map((r) => r.trim()).filter(Boolean);
    for (const r of rights) if (!(knownRights as readonly string[]).includes(r)) out.fail(`unknown right ${r} (known: ${knownRights.join(', ')})`);
    const board = text('board');
    const supplier = text('supplier');
    if (role === 'BOARD') {
      if (!board) return out.fail('--board is required for BOARD');
      const problem = bevoegdGezagNummerProblem(board);
      if (problem) out.fail(`--board ${board}: ${problem}`);
    }
    if (role === 'SUPPLIER') {
      if (!supplier) return out.fail('--supplier is required for SUPPLIER');
      const problem = oinProblem(supplier);
      if (problem) out.fail(`--supplier ${supplier}: ${problem}`);
    }
    const expires = text('expires') ?? '1h';
    if (!/^\d+\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours)$/i.test(expires)) out.fail(`--expires ${JSON.stringify(expires)}: a span such as 30m or 1h`);
    const sub = text('sub') ?? `dev-${role.toLowerCase()}${board ? `-${board}` : ''}${supplier ? `-${supplier}` : ''}`;
    const keys = await ensureDevKeys(defaultKeyDir(env.dataDir));
    const claims: TokenClaims = { sub, name: text('name') ?? sub, role, ...(board ? { board } : {}), ...(supplier ? { supplier } : {}), rights };
    const signed = await signDevToken(readPrivateKey(keys), claims, { expiresIn: expires });
    if (out.json) out.finish(0, `token for ${sub} (${role}), valid ${expires}`, { token: signed, claims, expires }, [], { outcome: 'token issued' });
    else console.log(signed);
  },
};
