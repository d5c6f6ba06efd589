/**
 * osr rio api-server [--port 4010] [--key <key>] [--file bundle.json | --boards 1100 --schools 7500]
 *                    [--delay-ms N] [--too-many-requests N] [--retry-after S] [--server-errors N]
 *                    [--break-after-pages N] [--break-count N] [--malformed]   (npm run rio:api-server)
 *
 * A local RIO API (HAL JSON, 127.0.0.1 only) serving the generated national set, or a RIO JSON
 * bundle, for the demo and by-hand checks of `osr rio sync`; the fault switches are
 * described in scripts/local-rio-api.ts. It serves until Ctrl-C (exit 0).
 */
import { readFileSync } from 'node:fs';
import { messageOf, wholeNumberOption, type CommandSpec } from '@osr/common/cli';

export const rioApiServer: CommandSpec = {
  group: 'rio',
  name: 'api-server',
  alias: 'rio:api-server',
  summary: 'serve a local RIO API (the generated national set or a bundle) for rio sync, until Ctrl-C',
  json: false,
  options: [
    { flags: '--port <port>', description: 'the port on 127.0.0.1 (0: any free one)', default: '4010' },
    { flags: '--key <key>', description: 'the API key it asks for in x-api-key (default RIO_API_KEY, else dev-rio-key)' },
    { flags: '--file <bundle.json>', description: 'serve this RIO JSON bundle instead of the generated set' },
    { flags: '--boards <n>', description: 'boards of the generated set (1..5000)', default: '1100' },
    { flags: '--schools <n>', description: 'schools of the generated set (1..50000)', default: '7500' },
    { flags: '--delay-ms <n>', description: 'fault: answer every request this much later', default: '0' },
    { flags: '--too-many-requests <n>', description: 'fault: the first n requests get 429', default: '0' },
    { flags: '--retry-after <s>', description: 'fault: the Retry-After of those 429s', default: '1' },
    { flags: '--server-errors <n>', description: 'fault: the first n requests get 500', default: '0' },
    { flags: '--break-after-pages <n>', description: 'fault: after n pages served, cut the next page answers off mid-answer' },
    { flags: '--break-count <n>', description: 'fault: how many page answers are cut off', default: '1' },
    { flags: '--malformed', description: 'fault: serve a few broken records' },
  ],
  async run(_args, values, { out }) {
    // commander's keys are camelCase: --delay-ms is delayMs
    const number = (key: string, min: number, max: number): number =>
      wholeNumberOption(out, `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, values[key], min, max);
    const optional = (key: string, min: number, max: number) => (values[key] === undefined ? null : number(key, min, max));
    const port = number('port', 0, 65_535);
    const faults = {
      delayMs: number('delayMs', 0, 600_000),
      tooManyRequests: number('tooManyRequests', 0, 1_000_000),
      retryAfterSeconds: number('retryAfter', 0, 3600),
      serverErrors: number('serverErrors', 0, 1_000_000),
      breakAfterPages: optional('breakAfterPages', 0, 1_000_000),
      breakCount: number('breakCount', 0, 1_000_000),
      malformed: values['malformed'] === true,
    };
    let bundle: Record<string, unknown>;
    const file = values['file'];
    if (typeof file === 'string') {
      try {
        bundle = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      } catch (err) {
        return out.fail(`--file ${file}: ${messageOf(err)}`);
      }
    } else {
      const boards = number('boards', 1, 5000);
      const schools = number('schools', 1, 50_000);
      if (schools < boards) out.fail(`--schools ${schools} is fewer than --boards ${boards}: every board needs a school`);
      const { generateNationalSet } = await import('@osr/subgraph-organisations/rio/generate');
      bundle = generateNationalSet({ boards, schools }).bundle;
    }
    const apiKey = (values['key'] as string | undefined) ?? process.env['RIO_API_KEY'] ?? 'dev-rio-key';
    const { startRioApiServer } = await import('./local-rio-api.js');
    const server = await startRioApiServer({ bundle, apiKey, port, faults }).catch((err: unknown) => out.fail(`cannot listen on port ${port}: ${messageOf(err)}`));
    console.log(`RIO API (local) at ${server.url}`);
    console.log(`  sync from it: RIO_API_URL=${server.url} RIO_API_KEY=<the key> npx osr rio sync`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        console.log(`stopping (${server.stats.requests} requests served)`);
        void server.close().then(resolve);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
};
