/**
 * A tiny stand-in for the organisations subgraph's change feed: a GraphQL-over-HTTP server
 * that answers `organisationChanges(first, after)` from a list of canned changes, in the
 * shape of the organisations contract, at most `pageSize` per page. It also answers
 * `board(bevoegdGezagNummer)`: 99999 is unknown, 43999 closed on 2020-12-31, any other
 * board exists. It checks that callers send a valid signed identity, as the real subgraph does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { IDENTITY_HEADER, verifyIdentity } from '@osr/common';

export interface FakeChange {
  id: string;
  sequence: number;
  kind: string;
  bevoegdGezagNummer?: string | null;
  brin?: string | null;
  fromBoard?: string | null;
  toBoard?: string | null;
  swvCode?: string | null;
  effectiveDate: string;
  importId: string;
  recordedAt?: string;
  description: string;
}

export interface FakeFeed {
  url: string;
  changes: FakeChange[];
  /** every request's variables, in order */
  requests: { first: number | null; after: string | null; caller: string }[];
  stop(): Promise<void>;
}

const cursorOf = (sequence: number) => Buffer.from(JSON.stringify({ sequence }), 'utf8').toString('base64url');
const sequenceOf = (cursor: string) => (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { sequence: number }).sequence;

export async function startFakeFeed(secret: string, changes: FakeChange[], pageSize = 2): Promise<FakeFeed> {
  const feed: Omit<FakeFeed, 'url' | 'stop'> = { changes, requests: [] };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const header = req.headers[IDENTITY_HEADER];
      const check = verifyIdentity(Array.isArray(header) ? header[0] : header, secret);
      if (!check.ok) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: check.reason, extensions: { code: 'UNAUTHENTICATED' } }] }));
        return;
      }
      const { query, variables } = JSON.parse(body) as { query: string; variables?: { first?: number | null; after?: string | null; n?: string } };
      if (query.includes('board(bevoegdGezagNummer')) {
        const n = variables?.n;
        const board = n === '99999' ? null : { endDate: n === '43999' ? '2020-12-31' : null };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: { board } }));
        return;
      }
      if (!query.includes('organisationChanges')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: 'only organisationChanges is served here' }] }));
        return;
      }
      const first = variables?.first ?? null;
      const after = variables?.after ?? null;
      feed.requests.push({ first, after, caller: check.identity.sub });
      const from = after ? sequenceOf(after) : 0;
      const size = Math.min(first ?? pageSize, pageSize);
      const ordered = [...feed.changes].sort((a, b) => a.sequence - b.sequence).filter((c) => c.sequence > from);
      const page = ordered.slice(0, size);
      const data = {
        organisationChanges: {
          edges: page.map((c) => ({
            cursor: cursorOf(c.sequence),
            node: {
              bevoegdGezagNummer: null,
              brin: null,
              fromBoard: null,
              toBoard: null,
              swvCode: null,
              recordedAt: '2026-11-28T06:00:00.000Z',
              ...c,
            },
          })),
          pageInfo: { hasNextPage: ordered.length > size, endCursor: page.length ? cursorOf(page.at(-1)!.sequence) : null },
        },
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...feed,
    url: `http://127.0.0.1:${port}/graphql`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
