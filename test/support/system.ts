/**
 * Test harness: the four subgraphs and the gateway, in-process on port 0, against the test
 * database server (started once by test/global-setup.ts), each test file in databases of
 * its own (a random prefix).
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import './provided.js';
import { exportSPKI, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import {
  IDENTITY_HEADER,
  connectDatabase,
  createLogger,
  databaseName,
  listen,
  signIdentity,
  type Database,
  type Identity,
  type PeerUrls,
  type SubgraphDeps,
  type SubgraphName,
  type SubgraphServer,
} from '@osr/common';
import { createGateway, type GatewayOptions, type GatewayServer } from '@osr/gateway';
import { createAgreementsServer } from '@osr/subgraph-agreements';
import { createMandatesServer } from '@osr/subgraph-mandates';
import { createOrganisationsServer } from '@osr/subgraph-organisations';
import { createSupportServer } from '@osr/subgraph-support';

export const logger = createLogger('test', process.env['TEST_LOG_LEVEL'] ?? 'silent');

/** The secret this test process's gateway and subgraphs share. */
export const identitySecret = randomBytes(32).toString('base64url');

export const TOKEN_ISSUER = 'osr-test';
export const TOKEN_AUDIENCE = 'osr-graph';

/** This test process's token signing key pair (ES256), made on first use. */
let keyPair: Promise<{ privateKey: KeyLike; publicKeyPem: string }> | null = null;
function keys() {
  keyPair ??= generateKeyPair('ES256').then(async ({ privateKey, publicKey }) => ({
    privateKey,
    publicKeyPem: await exportSPKI(publicKey),
  }));
  return keyPair;
}

export interface TestClaims {
  sub?: string;
  name?: string;
  role: 'BOARD' | 'SUPPLIER' | 'SUPPORT' | 'ANALYST';
  board?: string;
  supplier?: string;
  rights?: string[];
}

/**
 * A bearer token the test gateway accepts (unless told otherwise: `issuedAt` sets the iat
 * claim in seconds since 1970, null leaves it out).
 */
export async function tokenFor(claims: TestClaims, expiresIn: string | number = '10m', issuedAt?: number | null): Promise<string> {
  const { privateKey } = await keys();
  const { sub, ...rest } = claims;
  const jwt = new SignJWT({ name: sub ?? 'test user', ...rest, rights: rest.rights ?? [] })
    .setProtectedHeader({ alg: 'ES256' })
    .setSubject(sub ?? `test-${claims.role.toLowerCase()}`)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE);
  if (issuedAt !== null) jwt.setIssuedAt(issuedAt);
  return jwt.setExpirationTime(expiresIn).sign(privateKey);
}

/** The token settings of this test process's gateways (the key tokenFor signs with). */
export async function tokenSettings(): Promise<GatewayOptions['tokens']> {
  return { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ['ES256'], publicKeyPem: (await keys()).publicKeyPem };
}

export async function bearer(claims: TestClaims): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await tokenFor(claims)}` };
}

export const SUPPORT_IDENTITY: Identity = { sub: 'test-support', name: 'Test Support', role: 'SUPPORT', board: null, rights: [], supplier: null };

/** Headers for a direct subgraph call, as the gateway would sign them. */
export function identityHeaders(identity: Identity = SUPPORT_IDENTITY): Record<string, string> {
  return { [IDENTITY_HEADER]: signIdentity(identity, identitySecret) };
}

export function databaseUri(): string {
  return inject('mongodbUri');
}

/** A fresh database prefix, so test files never see each other's data. */
export function freshPrefix(): string {
  return `t${randomBytes(4).toString('hex')}_`;
}

const builders: Record<SubgraphName, (deps: SubgraphDeps) => Promise<SubgraphServer>> = {
  organisations: createOrganisationsServer,
  mandates: createMandatesServer,
  agreements: createAgreementsServer,
  support: createSupportServer,
};

export interface RunningSubgraph {
  name: SubgraphName;
  url: string;
  server: SubgraphServer;
  database: Database;
  stop(): Promise<void>;
  /** Stops only the HTTP server and Apollo (the process "dies"); restart() brings it back on the same port. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export async function startSubgraph(name: SubgraphName, prefix: string, peers: PeerUrls = {}, uri = databaseUri()): Promise<RunningSubgraph> {
  const database = await connectDatabase(uri, databaseName(prefix, name), { serverSelectionTimeoutMS: 2_000 });
  let server = await builders[name]({ database, logger, identitySecret, peers });
  const url = await listen(server.httpServer, 0);
  let alive = true;
  return {
    name,
    url,
    get server() {
      return server;
    },
    database,
    async stop() {
      if (alive) await server.stop();
      await database.close();
    },
    async kill() {
      server.httpServer.closeAllConnections();
      await server.stop();
      alive = false;
    },
    async restart() {
      server = await builders[name]({ database, logger, identitySecret, peers });
      await listen(server.httpServer, Number(new URL(url).port));
      alive = true;
    },
  };
}

export interface RunningSystem {
  gatewayUrl: string;
  gateway: GatewayServer;
  subgraphs: Record<SubgraphName, RunningSubgraph>;
  stop(): Promise<void>;
}

/**
 * Runs `start` with these environment variables set, and restores them after: a test about one
 * of the mandates subgraph's read models starts its system with MANDATES_READ_MODEL set, whatever
 * the test run's is.
 */
export async function withEnv<T>(vars: Record<string, string>, start: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  try {
    return await start();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

export async function startSystem(prefix: string, gatewayOptions: Partial<GatewayOptions> = {}, uri = databaseUri()): Promise<RunningSystem> {
  // In dependency order: each subgraph learns the URLs of the ones started before it.
  const running: RunningSubgraph[] = [];
  const peers: PeerUrls = {};
  for (const name of ['organisations', 'support', 'agreements', 'mandates'] as SubgraphName[]) {
    const subgraph = await startSubgraph(name, prefix, { ...peers }, uri);
    peers[name] = subgraph.url;
    running.push(subgraph);
  }
  const subgraphs = Object.fromEntries(running.map((r) => [r.name, r])) as Record<SubgraphName, RunningSubgraph>;
  const gateway = await createGateway({
    logger,
    subgraphUrls: Object.fromEntries(running.map((r) => [r.name, r.url])),
    identitySecret,
    tokens: { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ['ES256'], publicKeyPem: (await keys()).publicKeyPem },
    ...gatewayOptions,
  });
  const gatewayUrl = await listen(gateway.httpServer, 0);
  return {
    gatewayUrl,
    gateway,
    subgraphs,
    async stop() {
      await gateway.stop();
      await Promise.all(running.map((r) => r.stop()));
    },
  };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** POSTs a GraphQL request and returns the HTTP status with the parsed body. */
export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: res.status, ...body };
}
