/**
 * Test harness: the four subgraphs and the gateway, in-process on port 0, against the test
 * database server (started once by test/global-setup.ts), each test file in databases of
 * its own (a random prefix).
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import './provided.js';
import { connectDatabase, createLogger, databaseName, listen, type Database, type SubgraphName, type SubgraphServer } from '@osr/common';
import { createGateway, type GatewayServer } from '@osr/gateway';
import { createAgreementsServer } from '@osr/subgraph-agreements';
import { createMandatesServer } from '@osr/subgraph-mandates';
import { createOrganisationsServer } from '@osr/subgraph-organisations';
import { createSupportServer } from '@osr/subgraph-support';

export const logger = createLogger('test', process.env['TEST_LOG_LEVEL'] ?? 'silent');

export function databaseUri(): string {
  return inject('mongodbUri');
}

/** A fresh database prefix, so test files never see each other's data. */
export function freshPrefix(): string {
  return `t${randomBytes(4).toString('hex')}_`;
}

const builders: Record<SubgraphName, (db: Database, log: typeof logger) => Promise<SubgraphServer>> = {
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
}

export async function startSubgraph(name: SubgraphName, prefix: string): Promise<RunningSubgraph> {
  const database = await connectDatabase(databaseUri(), databaseName(prefix, name));
  const server = await builders[name](database, logger);
  const url = await listen(server.httpServer, 0);
  return {
    name,
    url,
    server,
    database,
    async stop() {
      await server.stop();
      await database.close();
    },
  };
}

export interface RunningSystem {
  gatewayUrl: string;
  gateway: GatewayServer;
  subgraphs: Record<SubgraphName, RunningSubgraph>;
  stop(): Promise<void>;
}

export async function startSystem(prefix: string): Promise<RunningSystem> {
  const names: SubgraphName[] = ['organisations', 'mandates', 'agreements', 'support'];
  const running = await Promise.all(names.map((n) => startSubgraph(n, prefix)));
  const subgraphs = Object.fromEntries(running.map((r) => [r.name, r])) as Record<SubgraphName, RunningSubgraph>;
  const gateway = await createGateway({
    logger,
    subgraphUrls: Object.fromEntries(running.map((r) => [r.name, r.url])),
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
