/**
 * The example in use: the headline for a board, then a grant for its first school that has
 * no OSO OV mandate. Run with the system started (`npm start`) and a board token:
 *   OSR_URL=http://127.0.0.1:4000/graphql OSR_TOKEN=... npx tsx examples/front-end/src/main.ts 41234 <systemId>
 */
import { GraphQLRequestError, request } from './client.js';
import { BoardOverview, GrantMandate } from './operations.js';
import type { BoardOverviewQuery } from './gql/graphql.js';

type School = NonNullable<BoardOverviewQuery['board']>['schools'][number];

/** The schools without an active OSO OV mandate (mandates is null without the right to see them: the types say so). */
export function schoolsWithoutOsoOv(schools: readonly School[]): string[] {
  return schools.filter((s) => !(s.mandates ?? []).some((m) => m.service.code === 'OSO_OV' && m.status === 'ACTIVE')).map((s) => s.brin);
}

export async function main(endpoint: string, token: string, nummer: string, systemId: string): Promise<void> {
  const overview = await request(endpoint, token, BoardOverview, { nummer });
  if (!overview.board) throw new Error(`board ${nummer}: not found`);
  for (const school of overview.board.schools) {
    const mandates = (school.mandates ?? []).map((m) => `${m.service.code} ${m.status} ${m.system.supplier.name}`).join(', ');
    console.log(`${school.brin} ${school.name} (${school.sector}): ${mandates || 'no mandates'}`);
  }
  const [brin] = schoolsWithoutOsoOv(overview.board.schools);
  if (!brin) return;
  const startDate = new Date().toISOString().slice(0, 10);
  try {
    const granted = await request(endpoint, token, GrantMandate, { input: { service: 'OSO_OV', systemId, brin, bevoegdGezagNummer: nummer, startDate }, reason: 'example' });
    for (const m of granted.grantMandate.mandates) console.log(`granted ${m.id} (version ${m.version}) from ${m.startDate} to ${m.system.name}`);
  } catch (err) {
    if (err instanceof GraphQLRequestError) console.error(`refused: ${err.errors.map((e) => `${e.extensions?.code ?? ''} ${e.message}`).join('; ')}`);
    else throw err;
  }
}

if (process.argv[1]?.endsWith('main.ts')) {
  const [nummer, systemId] = process.argv.slice(2);
  const { OSR_URL = 'http://127.0.0.1:4000/graphql', OSR_TOKEN = '' } = process.env;
  if (!nummer || !systemId) {
    console.error('usage: main.ts <bevoegdGezagNummer> <systemId>');
    process.exit(1);
  }
  await main(OSR_URL, OSR_TOKEN, nummer, systemId);
}
