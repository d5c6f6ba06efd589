/**
 * npm run rio:api-server -- [--port 4010] [--key <key>] [--file bundle.json | --boards 1100 --schools 7500]
 *                           [--delay-ms N] [--too-many-requests N] [--retry-after S] [--server-errors N]
 *                           [--break-after-pages N] [--break-count N] [--malformed]
 *
 * A local RIO API (HAL JSON, 127.0.0.1 only) serving the generated national set, or a RIO JSON
 * bundle, for the demo and by-hand checks of `npm run rio:sync`; the fault switches are
 * described in test/support/rio-api-server.ts. Ctrl-C stops it.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateNationalSet } from '@osr/subgraph-organisations/rio/generate';
import { startRioApiServer } from '../test/support/rio-api-server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    key: { type: 'string' },
    file: { type: 'string' },
    boards: { type: 'string' },
    schools: { type: 'string' },
    'delay-ms': { type: 'string' },
    'too-many-requests': { type: 'string' },
    'retry-after': { type: 'string' },
    'server-errors': { type: 'string' },
    'break-after-pages': { type: 'string' },
    'break-count': { type: 'string' },
    malformed: { type: 'boolean' },
  },
});

const number = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number >= 0`);
    process.exit(1);
  }
  return n;
};

const bundle = values.file
  ? (JSON.parse(readFileSync(values.file, 'utf8')) as Record<string, unknown>)
  : generateNationalSet({
      ...(values.boards ? { boards: number('boards', values.boards)! } : {}),
      ...(values.schools ? { schools: number('schools', values.schools)! } : {}),
    }).bundle;
const apiKey = values.key ?? process.env['RIO_API_KEY'] ?? 'dev-rio-key';
const faults = {
  delayMs: number('delay-ms', values['delay-ms']) ?? 0,
  tooManyRequests: number('too-many-requests', values['too-many-requests']) ?? 0,
  retryAfterSeconds: number('retry-after', values['retry-after']) ?? 1,
  serverErrors: number('server-errors', values['server-errors']) ?? 0,
  breakAfterPages: number('break-after-pages', values['break-after-pages']) ?? null,
  breakCount: number('break-count', values['break-count']) ?? 1,
  malformed: values.malformed ?? false,
};
const server = await startRioApiServer({ bundle, apiKey, port: number('port', values.port)!, faults });
console.log(`RIO API (local) at ${server.url}`);
console.log(`  sync from it: RIO_API_URL=${server.url} RIO_API_KEY=<the key> npm run rio:sync`);
const stop = () => {
  console.log(`stopping (${server.stats.requests} requests served)`);
  void server.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
