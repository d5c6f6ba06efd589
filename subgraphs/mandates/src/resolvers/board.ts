import { boardAccess } from '../access.js';
import type { BoardRef, MandateDocument } from '../documents.js';
import type { BoardResolvers } from '../generated/resolvers.js';

export const Board: BoardResolvers = {
  __resolveReference: (ref) => ({ bevoegdGezagNummer: ref.bevoegdGezagNummer, schools: (ref as BoardRef).schools ?? null }),
  // The mandates of the board's schools now (whoever gave them: they follow the school), and
  // those the board gave itself (board-level, and for schools that have since moved away).
  // With @requires, the gateway adds the board's current schools from the organisations subgraph.
  mandates: async (board, { services, asOf }, { loaders, today, identity }) => {
    boardAccess(identity, board.bevoegdGezagNummer);
    const brins = (board.schools ?? []).map((s) => s.brin);
    const [given, ofSchools] = await Promise.all([
      loaders.mandatesOfBoard(services ?? null).load(board.bevoegdGezagNummer),
      Promise.all(brins.map((brin) => loaders.mandatesOfSchool(services ?? null).load(brin))),
    ]);
    const byId = new Map<string, MandateDocument>();
    for (const m of [...ofSchools.flat(), ...given]) byId.set(m.id, m);
    const date = asOf ?? today;
    return [...byId.values()].sort(mandateOrder).map((d) => ({ ...d, asOf: date }));
  },
};

/** Board-level mandates first, then by school, service, start date and id. */
function mandateOrder(a: MandateDocument, b: MandateDocument): number {
  return (
    (a.brin ?? '').localeCompare(b.brin ?? '') ||
    a.serviceCode.localeCompare(b.serviceCode) ||
    a.startDate.localeCompare(b.startDate) ||
    a.id.localeCompare(b.id)
  );
}
