/**
 * What the generated types refuse: each line below must fail to compile (tsc checks that
 * every @ts-expect-error has its error), so the types are the schema's, not `any`.
 */
import { request } from './client.js';
import { BoardOverview, GrantMandate } from './operations.js';

export async function refused(endpoint: string): Promise<unknown[]> {
  const overview = await request(endpoint, undefined, BoardOverview, { nummer: '41234' });
  return [
    // @ts-expect-error a field the operation does not select
    overview.board?.kvkNummer,
    // @ts-expect-error board may be null (unknown or not yours)
    overview.board.name,
    // @ts-expect-error the required variable is missing
    await request(endpoint, undefined, BoardOverview, {}),
    // @ts-expect-error a service code the schema does not have
    await request(endpoint, undefined, GrantMandate, { input: { service: 'OSO_XX', systemId: 's', bevoegdGezagNummer: '41234', startDate: '2026-01-01' } }),
  ];
}
