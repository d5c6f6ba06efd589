/**
 * How `npm start` shows the JSON log lines of the processes it starts: pretty-printed
 * (pino-pretty: time, level, process name, message, the rest indented) for a person at a
 * terminal, the JSON lines untouched for a file, a pipe or a log collector, and always in
 * production (NODE_ENV=production), where the lines are for machines.
 */
import type { Writable } from 'node:stream';
import { build } from 'pino-pretty';

export type LogFormat = 'pretty' | 'json';

export function logFormat(stdout: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): LogFormat {
  if (env['NODE_ENV'] === 'production') return 'json';
  return stdout.isTTY ? 'pretty' : 'json';
}

/**
 * A stream that takes one process's JSON log lines and writes them pretty-printed to the
 * destination (stdout by default); a line that is not JSON passes unchanged. One per process,
 * so lines of different processes never mix mid-line.
 */
export function prettyLogStream(destination: Writable | number = 1, colorize = true): Writable {
  return build({
    destination,
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: false,
    sync: true,
  });
}
