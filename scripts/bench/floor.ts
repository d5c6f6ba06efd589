/**
 * The floor: a bare node:http handler that verifies the token as the gateway does, reads the
 * same data with the driver (scripts/bench/read.ts) and writes the same JSON. No GraphQL.
 * Environment: PORT, MONGODB_URI, DB_PREFIX, JWT_PUBLIC_KEY_FILE, JWT_MAX_AGE_SECONDS, OSR_COUNT_DB_COMMANDS.
 */
import http from 'node:http';
import { countDatabaseCommands, databaseCommands, exitWhenStdinCloses, listen, readBody } from '@osr/common';
import { TokenVerifier } from '@osr/gateway/auth';
import { DEV_AUDIENCE, DEV_ISSUER } from '../dev-keys.js';
import { answer, openStores } from './read.js';

if (process.env['OSR_COUNT_DB_COMMANDS'] === '1') countDatabaseCommands();
const stores = await openStores(process.env['MONGODB_URI']!, process.env['DB_PREFIX']!);
const verifier = await TokenVerifier.create({
  issuer: DEV_ISSUER,
  audience: DEV_AUDIENCE,
  algorithms: ['ES256'],
  publicKeyPem: TokenVerifier.readPublicKeyFile(process.env['JWT_PUBLIC_KEY_FILE']!),
  maxLifetimeSeconds: Number(process.env['JWT_MAX_AGE_SECONDS'] ?? 3600),
});

function send(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

let stopping = false;
const server = http.createServer((req, res) => {
  const work = async () => {
    if (req.method === 'GET' && req.url === '/db-commands') return send(res, 200, { count: databaseCommands.count });
    if (req.method === 'GET' && req.url === '/ready') return send(res, 200, { status: 'ready' });
    const auth = await verifier.authenticate(req);
    if (!auth.ok) return send(res, 401, { errors: [{ message: auth.reason, extensions: { code: 'UNAUTHENTICATED' } }] });
    const request = JSON.parse(await readBody(req, 1024 * 1024)) as { operationName: string; variables?: Record<string, unknown> };
    const { status, body } = await answer(stores, auth.identity, request.operationName, request.variables ?? {});
    send(res, status, body);
  };
  work().catch((err: unknown) => {
    if (!stopping) console.error(err);
    if (!res.headersSent) send(res, 500, { errors: [{ message: 'Internal server error' }] });
  });
});
const url = await listen(server, Number(process.env['PORT'] ?? 0));
console.log(`floor listening at ${url}`);
exitWhenStdinCloses(async () => {
  stopping = true;
  server.close();
  server.closeAllConnections();
  await stores.close();
  process.exit(0);
});
