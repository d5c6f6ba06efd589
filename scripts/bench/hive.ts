/**
 * Hive Gateway (@graphql-hive/gateway) over the same subgraphs and the same supergraph, with
 * the same identity path as our gateway: the bearer token is verified once per request and
 * every subgraph call carries the signed identity. Environment: PORT, SUPERGRAPH (SDL with
 * the subgraphs' URLs), OSR_IDENTITY_SECRET, JWT_PUBLIC_KEY_FILE, JWT_MAX_AGE_SECONDS.
 */
import http from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { exitWhenStdinCloses, listen, PUBLIC_IDENTITY, signIdentity, IDENTITY_HEADER, type Identity } from '@osr/common';
import { TokenVerifier } from '@osr/gateway/auth';
import { DEV_AUDIENCE, DEV_ISSUER } from '../dev-keys.js';

const secret = process.env['OSR_IDENTITY_SECRET']!;
const verifier = await TokenVerifier.create({
  issuer: DEV_ISSUER,
  audience: DEV_AUDIENCE,
  algorithms: ['ES256'],
  publicKeyPem: TokenVerifier.readPublicKeyFile(process.env['JWT_PUBLIC_KEY_FILE']!),
  maxLifetimeSeconds: Number(process.env['JWT_MAX_AGE_SECONDS'] ?? 3600),
});
const identities = new WeakMap<Request, Promise<Identity | null>>();

function identityOf(request: Request): Promise<Identity | null> {
  let found = identities.get(request);
  if (!found) {
    const authorization = request.headers.get('authorization');
    found = verifier
      .authenticate({ headers: authorization ? { authorization } : {} } as http.IncomingMessage)
      .then((r) => (r.ok ? r.identity : null));
    identities.set(request, found);
  }
  return found;
}

const gateway = createGatewayRuntime({
  supergraph: process.env['SUPERGRAPH']!,
  logging: false,
  propagateHeaders: {
    async fromClientToSubgraphs({ request }) {
      const identity = (await identityOf(request)) ?? PUBLIC_IDENTITY;
      return { [IDENTITY_HEADER]: signIdentity(identity, secret) };
    },
  },
});
const server = http.createServer(gateway);
const url = await listen(server, Number(process.env['PORT'] ?? 0));
console.log(`hive gateway listening at ${url}`);
exitWhenStdinCloses(async () => {
  server.close();
  server.closeAllConnections();
  await gateway.dispose();
  process.exit(0);
});
