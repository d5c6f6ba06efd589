/**
 * npm run token -- --role BOARD --board 41234 --rights OSR_TOEGANG [--name "J. de Vries"] [--expires 1h]
 * npm run token -- --role SUPPLIER --supplier 00000003272448340204
 * npm run token -- --role SUPPORT | --role ANALYST
 * Prints a development token signed with the local key (made under .data/dev-keys).
 */
import { parseArgs } from 'node:util';
import { bevoegdGezagNummerProblem, oinProblem, rights as knownRights } from '@osr/common';
import { ensureDevKeys, readPrivateKey, signDevToken, type TokenClaims } from './dev-keys.js';

/** Nothing done: exit 1, as every operator command (@osr/common/cli). */
function fail(message: string): never {
  console.error(`token: ${message}`);
  process.exit(1);
}

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    board: { type: 'string' },
    supplier: { type: 'string' },
    rights: { type: 'string' },
    name: { type: 'string' },
    sub: { type: 'string' },
    expires: { type: 'string', default: '1h' },
  },
  strict: true,
});

const role = values.role as TokenClaims['role'] | undefined;
if (!role || !['BOARD', 'SUPPLIER', 'SUPPORT', 'ANALYST'].includes(role)) {
  fail('--role must be BOARD, SUPPLIER, SUPPORT or ANALYST');
}
const rights = (values.rights ?? '').split(',').map((r) => r.trim()).filter(Boolean);
for (const r of rights) if (!(knownRights as readonly string[]).includes(r)) fail(`unknown right ${r} (known: ${knownRights.join(', ')})`);
if (role === 'BOARD') {
  if (!values.board) fail('--board is required for BOARD');
  const problem = bevoegdGezagNummerProblem(values.board);
  if (problem) fail(`--board ${values.board}: ${problem}`);
}
if (role === 'SUPPLIER') {
  if (!values.supplier) fail('--supplier is required for SUPPLIER');
  const problem = oinProblem(values.supplier);
  if (problem) fail(`--supplier ${values.supplier}: ${problem}`);
}
const sub = values.sub ?? `dev-${role.toLowerCase()}${values.board ? `-${values.board}` : ''}${values.supplier ? `-${values.supplier}` : ''}`;
const keys = await ensureDevKeys();
const token = await signDevToken(readPrivateKey(keys), {
  sub,
  name: values.name ?? sub,
  role,
  ...(values.board ? { board: values.board } : {}),
  ...(values.supplier ? { supplier: values.supplier } : {}),
  rights,
}, { expiresIn: values.expires });
console.log(token);
