import { canManageBoard, invalidInput, userError } from '@osr/common';
import type { MutationResolvers } from '../generated/resolvers.js';
import { DEFAULT_MAX_PAGES } from '../review.js';

export const Mutation: MutationResolvers = {
  requestAgreement: (_parent, { input }, { agreements, identity }) => agreements.requestAgreement(identity, input),
  updateAgreementDocument: (_parent, { id, document, expectedVersion }, { agreements, identity }) =>
    agreements.updateDocument(identity, id, document, expectedVersion),
  sendForSignature: (_parent, { id, expectedVersion }, { agreements, identity }) => agreements.sendForSignature(identity, id, expectedVersion),
  signAgreement: (_parent, { id, contentHash, expectedVersion }, { agreements, identity }) =>
    agreements.signAgreement(identity, id, contentHash, expectedVersion),
  requestSwvExtension: (_parent, { agreementId, note }, { agreements, identity }) => agreements.requestSwvExtension(identity, agreementId, note),
  terminateAgreement: (_parent, { id, endDate, reason, expectedVersion }, { agreements, identity }) =>
    agreements.terminate(identity, id, endDate, reason, expectedVersion),
  withdrawAgreement: (_parent, { id, reason, expectedVersion }, { agreements, identity }) => agreements.withdraw(identity, id, reason, expectedVersion),
  expireAgreements: (_parent, { asOf }, { agreements, identity }) => agreements.expire(identity, asOf),

  resolveReviewItem: async (_parent, { id, resolution, expectedVersion }, { repository, identity }) => {
    // The caller's rights first; then one answer, naming no board, for a missing id and another board's item.
    const staff = identity.role === 'BOARD' && identity.board !== null && canManageBoard(identity, identity.board);
    if (identity.role !== 'SUPPORT' && !staff) throw userError('FORBIDDEN', 'Only staff of a board with the right OSR_TOEGANG, or support, may resolve review items');
    if (id.length > 64) throw invalidInput('id', id, 'a review item id is at most 64 characters');
    const note = resolution?.trim() || null;
    if (note && note.length > 1000) throw invalidInput('resolution', `${note.slice(0, 40)}…`, 'at most 1000 characters');
    const [item] = await repository.findReviewItems([id]);
    if (identity.role === 'SUPPORT' && !item) throw userError('NOT_FOUND', `No review item with id ${JSON.stringify(id)}`, { id });
    if (!item || !canManageBoard(identity, item.boardNummer)) throw userError('FORBIDDEN', `Review item ${id} does not exist or is not yours to resolve`);
    if (item.status === 'RESOLVED') {
      throw userError('CONFLICT', `Review item ${id} was already resolved by ${item.resolvedBy ?? 'someone'} at ${item.resolvedAt?.toISOString() ?? '?'}`);
    }
    if (expectedVersion !== null && expectedVersion !== undefined && expectedVersion !== item.version) {
      throw userError('CONFLICT', `Review item ${id} was changed since you read it (now version ${item.version})`);
    }
    const resolved = await repository.resolveReviewItemIfVersion(item, {
      resolvedAt: new Date(),
      resolvedBy: identity.name || identity.sub,
      resolution: note,
    });
    if (!resolved) throw userError('CONFLICT', `Review item ${id} was resolved by someone else at the same time`);
    return resolved;
  },

  followOrganisationChangesForAgreements: (_parent, { maxPages, fromStart }, { follower, identity }) => {
    if (identity.role !== 'SUPPORT') throw userError('FORBIDDEN', 'Only Kennisnet support may follow the organisation change feed by hand');
    if (maxPages !== null && maxPages !== undefined && (!Number.isInteger(maxPages) || maxPages < 1 || maxPages > 1000)) {
      throw invalidInput('maxPages', maxPages, 'a whole number from 1 to 1000');
    }
    return follower.follow(maxPages ?? DEFAULT_MAX_PAGES, fromStart ?? false);
  },
};
