/** Shared by the agreements tests: an agreements subgraph of its own, identities, a GraphQL call. */
import { connectDatabase, databaseName, listen, todayInNetherlands, type Identity, type PeerUrls } from '@osr/common';
import { buildDemoData } from '../../../scripts/demo-data.js';
import { seedDemo } from '../../../scripts/seed-lib.js';
import { databaseUri, freshPrefix, graphql, identityHeaders, identitySecret, logger, type GraphQLResponse } from '../../../test/support/system.js';
import { createAgreementsServer, type AgreementsServerOptions } from '../src/server.js';

export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789abcdef';

export function person(role: Identity['role'], board: string | null = null, rights: Identity['rights'] = [], name = `${role.toLowerCase()} ${board ?? ''}`.trim()): Identity {
  return { sub: `${role.toLowerCase()}-${board ?? 'x'}-${rights.join('+') || 'none'}`, name, role, board, rights, supplier: null };
}

export const support = person('SUPPORT', null, [], 'Kim Support');
export const analyst = person('ANALYST', null, [], 'Ana Lyst');
export const service = { sub: 'service:mandates', name: 'mandates', role: 'SERVICE', board: null, rights: [], supplier: null } satisfies Identity;
export const anonymous = person('PUBLIC');
export const staff = (board: string) => person('BOARD', board, ['OSR_TOEGANG'], `Staff ${board}`);
export const signer = (board: string, name = `Signer ${board}`) => person('BOARD', board, ['OSR_TOEGANG', 'KENNISNET_ONDERTEKENEN'], name);

export const today = () => todayInNetherlands();

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export interface TestAgreements {
  url: string;
  prefix: string;
  call<T = Record<string, unknown>>(identity: Identity, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

/** Demo data in fresh databases and an agreements subgraph on them (webhook on unless disabled). */
export async function startAgreements(options: AgreementsServerOptions = {}, peers: PeerUrls = {}): Promise<TestAgreements> {
  const prefix = freshPrefix();
  await seedDemo(databaseUri(), prefix, buildDemoData());
  const database = await connectDatabase(databaseUri(), databaseName(prefix, 'agreements'));
  const server = await createAgreementsServer(
    { database, logger, identitySecret, peers },
    { signingWebhookSecret: WEBHOOK_SECRET, pollSeconds: 0, ...options },
  );
  const url = await listen(server.httpServer, 0);
  return {
    url,
    prefix,
    call: (identity, query, variables) => graphql(url, query, variables, identityHeaders(identity)),
    async stop() {
      await server.stop();
      await database.close();
    },
  };
}

export function codeOf(res: GraphQLResponse<unknown>): unknown {
  return res.errors?.[0]?.extensions?.['code'];
}

export const AGREEMENT_FIELDS = `id type status services version validFrom validUntil extensionOf { id }
  documents { version contentHash content }
  signing { documentVersion contentHash signerBoard provider reference }
  signature { signerName signerId board contentHash documentVersion provider }`;

export interface AgreementView {
  id: string;
  type: string;
  status: string;
  services: string[];
  version: number;
  validFrom: string | null;
  validUntil: string | null;
  extensionOf: { id: string } | null;
  documents: { version: number; contentHash: string; content: string }[];
  signing: { documentVersion: number; contentHash: string; signerBoard: string; provider: string; reference: string } | null;
  signature: { signerName: string; signerId: string; board: string; contentHash: string; documentVersion: number; provider: string } | null;
}

export const REQUEST = `mutation ($input: RequestAgreementInput!) { requestAgreement(input: $input) { ${AGREEMENT_FIELDS} } }`;
export const SEND = `mutation ($id: ID!, $v: Int) { sendForSignature(id: $id, expectedVersion: $v) { ${AGREEMENT_FIELDS} } }`;
export const SIGN = `mutation ($id: ID!, $hash: String!, $v: Int) { signAgreement(id: $id, contentHash: $hash, expectedVersion: $v) { ${AGREEMENT_FIELDS} } }`;
export const TERMINATE = `mutation ($id: ID!, $end: Date!, $reason: String!) { terminateAgreement(id: $id, endDate: $end, reason: $reason) { ${AGREEMENT_FIELDS} } }`;
export const WITHDRAW = `mutation ($id: ID!) { withdrawAgreement(id: $id, reason: "no longer needed") { ${AGREEMENT_FIELDS} } }`;
export const UPDATE_DOCUMENT = `mutation ($id: ID!, $title: String!, $content: String!) { updateAgreementDocument(id: $id, document: { title: $title, content: $content }) { ${AGREEMENT_FIELDS} } }`;
export const GET = `query ($id: ID!) { agreement(id: $id) { ${AGREEMENT_FIELDS} history { action from to by role version note } } }`;
