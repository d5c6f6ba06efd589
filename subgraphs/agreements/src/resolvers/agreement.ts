import type { AgreementResolvers, AgreementEventResolvers } from '../generated/resolvers.js';
import { inForceOn, servicesOn } from '../lifecycle.js';
import { agreementById, requireReadBoard } from './access.js';

export const Agreement: AgreementResolvers = {
  __resolveReference: (ref, { loaders, identity }) => agreementById(identity, ref.id, (id) => loaders.agreement.load(id)),
  board: (agreement) => ({ bevoegdGezagNummer: agreement.boardNummer }),
  services: (agreement, { asOf }) => (asOf ? servicesOn(agreement, asOf) : agreement.services),
  coverage: (agreement) =>
    agreement.services.map((service) => ({
      service,
      from: (agreement.serviceStarts ?? []).find((s) => s.service === service)?.from ?? null,
    })),
  inForce: (agreement, { asOf }, { today }) => inForceOn(agreement, asOf ?? today),
  signedBy: (agreement, _args, { identity }) => {
    if (agreement.signedBy === null) return null;
    requireReadBoard(identity, agreement.boardNummer, 'who signed its agreements');
    return agreement.signedBy;
  },
  extensionOf: (agreement, _args, { loaders }) => (agreement.extensionOf ? loaders.agreement.load(agreement.extensionOf) : null),
  extensions: (agreement, _args, { loaders }) => loaders.extensionsOf.load(agreement.id),
  documents: (agreement, _args, { identity }) => {
    requireReadBoard(identity, agreement.boardNummer, 'the text of its agreements');
    return agreement.documents ?? [];
  },
  signing: (agreement, _args, { identity }) => {
    requireReadBoard(identity, agreement.boardNummer, 'the signing of its agreements');
    return agreement.signing ?? null;
  },
  signature: (agreement, _args, { identity }) => {
    requireReadBoard(identity, agreement.boardNummer, 'the signatures of its agreements');
    return agreement.signature ?? null;
  },
  history: (agreement, _args, { identity, loaders }) => {
    requireReadBoard(identity, agreement.boardNummer, 'the history of its agreements');
    return loaders.history.load(agreement.id);
  },
};

export const AgreementEvent: AgreementEventResolvers = {
  from: (event) => event.from,
};
