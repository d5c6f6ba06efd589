/**
 * Review after organisation changes: follows the organisations change feed (through the
 * organisations subgraph's API) and creates review items on the boards concerned. Resumable
 * (the feed cursor is stored after every page) and idempotent (one item per change, board
 * and reason: a unique index), so following twice creates nothing twice.
 */
import { randomUUID } from 'node:crypto';
import { userError, type Logger, type PeerClient } from '@osr/common';
import type {
  AgreementDocument,
  FollowResultView,
  OrganisationChangeDocument,
  OrganisationChangeKind,
  ReviewItemDocument,
  ReviewReason,
} from './documents.js';
import { FINAL_STATUSES } from './lifecycle.js';
import type { AgreementsRepository } from './repository.js';

export const FEED_NAME = 'organisation-changes';
const PAGE_SIZE = 100;
export const DEFAULT_MAX_PAGES = 50;
const SUPPORT_ADDRESS = 'support@kennisnet.nl';

export const ORGANISATION_CHANGES_QUERY = `query OrganisationChanges($first: Int, $after: String) {
  organisationChanges(first: $first, after: $after) {
    edges { cursor node { id sequence kind bevoegdGezagNummer brin fromBoard toBoard swvCode effectiveDate importId recordedAt description } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface FeedNode {
  id: string;
  sequence: number;
  kind: OrganisationChangeKind;
  bevoegdGezagNummer: string | null;
  brin: string | null;
  fromBoard: string | null;
  toBoard: string | null;
  swvCode: string | null;
  effectiveDate: string;
  importId: string;
  recordedAt: string;
  description: string;
}

interface FeedPage {
  organisationChanges: {
    edges: { cursor: string; node: FeedNode }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

interface ItemSpec {
  board: string;
  reason: ReviewReason;
  description: string;
  brins: string[];
  actions: (agreements: AgreementDocument[]) => string[];
}

function agreementActions(agreements: AgreementDocument[], text: string): string[] {
  const oso = agreements.find((a) => a.type === 'OSO' && !a.extensionOf);
  if (!oso) return [`Your board has no OSO agreement in force: request one from Kennisnet Support (${SUPPORT_ADDRESS}) before issuing OSO mandates`];
  return [text];
}

export class ChangeFollower {
  private running: Promise<FollowResultView> | null = null;

  constructor(
    private readonly repo: AgreementsRepository,
    private readonly organisations: PeerClient | null,
    private readonly logger: Logger,
  ) {}

  /** Follows the feed from the stored cursor; one run at a time per process (callers share it). */
  follow(maxPages = DEFAULT_MAX_PAGES, fromStart = false): Promise<FollowResultView> {
    if (!this.running) {
      this.running = this.run(maxPages, fromStart).finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private async run(maxPages: number, fromStart: boolean): Promise<FollowResultView> {
    if (!this.organisations) {
      throw userError('UNAVAILABLE', 'The organisations service is not configured (ORGANISATIONS_URL): cannot follow its change feed');
    }
    const state = await this.repo.getFeedState(FEED_NAME);
    let cursor = fromStart ? null : (state?.cursor ?? null);
    const result: FollowResultView = { processed: 0, itemsCreated: 0, pages: 0, cursor, reviewItems: [] };
    for (let page = 0; page < maxPages; page++) {
      const data = await this.organisations.request<FeedPage>(ORGANISATION_CHANGES_QUERY, { first: PAGE_SIZE, after: cursor });
      const { edges, pageInfo } = data.organisationChanges;
      result.pages++;
      for (const { node } of edges) {
        const created = await this.process(node);
        result.processed++;
        result.itemsCreated += created.length;
        result.reviewItems.push(...created);
      }
      if (pageInfo.endCursor) {
        cursor = pageInfo.endCursor;
        await this.repo.saveFeedState(FEED_NAME, cursor, edges.at(-1)?.node.sequence ?? state?.lastSequence ?? null);
      }
      result.cursor = cursor;
      if (!pageInfo.hasNextPage || edges.length === 0) break;
    }
    if (result.processed) this.logger.info({ processed: result.processed, itemsCreated: result.itemsCreated }, 'followed the organisation change feed');
    return result;
  }

  /** Records one change and creates its review items (those that do not exist yet). */
  private async process(node: FeedNode): Promise<ReviewItemDocument[]> {
    const change: OrganisationChangeDocument = {
      id: node.id,
      sequence: node.sequence,
      kind: node.kind,
      bevoegdGezagNummer: node.bevoegdGezagNummer,
      brin: node.brin,
      fromBoard: node.fromBoard,
      toBoard: node.toBoard,
      swvCode: node.swvCode,
      effectiveDate: node.effectiveDate,
      importId: node.importId,
      recordedAt: new Date(node.recordedAt),
      description: node.description,
      processedAt: new Date(),
    };
    await this.repo.recordChange(change);
    const created: ReviewItemDocument[] = [];
    for (const { spec, changeId } of await this.itemsFor(change)) {
      const item = await this.createItem(change, changeId, spec);
      if (item) created.push(item);
    }
    return created;
  }

  private async itemsFor(change: OrganisationChangeDocument): Promise<{ spec: ItemSpec; changeId: string }[]> {
    const on = change.effectiveDate;
    const own = (spec: ItemSpec) => ({ spec, changeId: change.id });
    switch (change.kind) {
      case 'SCHOOL_MOVED': {
        const { brin, fromBoard, toBoard } = change;
        if (!brin || !fromBoard || !toBoard) return [];
        const items = [
          own({
            board: fromBoard,
            reason: 'SCHOOL_MOVED_OUT',
            description: `School ${brin} moved from your board to board ${toBoard} on ${on}.`,
            brins: [brin],
            actions: () => [
              `Check the mandates of school ${brin}: they were given by your board and end with the move`,
              `Contact your supplier about school ${brin}'s data in your systems`,
            ],
          }),
          own({
            board: toBoard,
            reason: 'SCHOOL_MOVED_IN',
            description: `School ${brin} moved to your board from board ${fromBoard} on ${on}.`,
            brins: [brin],
            actions: (agreements) => [
              ...agreementActions(agreements, `Check the agreement still covers these schools: ${brin}`),
              `Check the mandates of school ${brin} and issue mandates for your board's systems where needed`,
              'Contact your supplier to connect the school to your systems',
            ],
          }),
        ];
        // A merger seen before its moves: the receiving board's merger item gets this school too.
        const closures = (await this.repo.findChangesOfImport(change.importId, 'BOARD_CLOSED')).filter((c) => c.bevoegdGezagNummer === fromBoard);
        for (const closure of closures) items.push({ spec: this.mergerSpec(closure, toBoard, [brin]), changeId: closure.id });
        return items;
      }
      case 'BOARD_CLOSED': {
        const board = change.bevoegdGezagNummer;
        if (!board) return [];
        const moves = (await this.repo.findChangesOfImport(change.importId, 'SCHOOL_MOVED')).filter((m) => m.fromBoard === board && m.toBoard);
        const receivers = [...new Set(moves.map((m) => m.toBoard as string))];
        const items = [
          own({
            board,
            reason: 'BOARD_CLOSED',
            description: receivers.length
              ? `Your board closed on ${on}; its schools moved to board ${receivers.join(', ')} (merger).`
              : `Your board closed on ${on}.`,
            brins: moves.map((m) => m.brin as string),
            actions: () => [
              `Terminate your board's agreements from ${on}: contact Kennisnet Support (${SUPPORT_ADDRESS})`,
              'Contact your supplier: the mandates your board gave end with the closure',
            ],
          }),
        ];
        for (const receiver of receivers) {
          const brins = moves.filter((m) => m.toBoard === receiver).map((m) => m.brin as string);
          items.push(own(this.mergerSpec(change, receiver, brins)));
        }
        return items;
      }
      case 'SCHOOL_CLOSED': {
        const board = change.bevoegdGezagNummer;
        if (!board || !change.brin) return [];
        return [
          own({
            board,
            reason: 'SCHOOL_CLOSED',
            description: `School ${change.brin} closed on ${on}.`,
            brins: [change.brin],
            actions: () => [
              `End the mandates of school ${change.brin} from ${on}`,
              `Contact your supplier about school ${change.brin}`,
            ],
          }),
        ];
      }
      default:
        return [];
    }
  }

  private mergerSpec(closure: OrganisationChangeDocument, receiver: string, brins: string[]): ItemSpec {
    return {
      board: receiver,
      reason: 'BOARD_MERGED',
      description: `Board ${closure.bevoegdGezagNummer} closed on ${closure.effectiveDate} and merged into your board; its schools moved to you (see schools).`,
      brins,
      actions: (agreements) => [
        ...agreementActions(agreements, `Check the agreement still covers these schools, taken over from board ${closure.bevoegdGezagNummer}`),
        `Check the mandates of the schools taken over from board ${closure.bevoegdGezagNummer}`,
        'Contact your supplier to move the schools to your systems',
      ],
    };
  }

  private async createItem(change: OrganisationChangeDocument, changeId: string, spec: ItemSpec): Promise<ReviewItemDocument | null> {
    const agreements = (await this.repo.findAgreementsOfBoards([spec.board])).filter((a) => !FINAL_STATUSES.includes(a.status));
    const item: ReviewItemDocument = {
      // random: an id built from the board would tell whose item it is
      id: `r-${randomUUID()}`,
      boardNummer: spec.board,
      reason: spec.reason,
      status: 'OPEN',
      description: spec.description,
      changeId,
      changeKind: changeId === change.id ? change.kind : 'BOARD_CLOSED',
      importId: change.importId,
      effectiveDate: change.effectiveDate,
      brins: [...new Set(spec.brins)].sort(),
      agreementIds: agreements.map((a) => a.id),
      suggestedActions: spec.actions(agreements),
      createdAt: new Date(),
      resolvedAt: null,
      resolvedBy: null,
      resolution: null,
      version: 1,
    };
    if (await this.repo.insertReviewItem(item)) return item;
    if (spec.reason === 'BOARD_MERGED') await this.repo.addSchoolsToItem(changeId, spec.board, spec.reason, item.brins);
    return null;
  }
}
