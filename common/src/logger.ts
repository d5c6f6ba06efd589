import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /**
   * Gather log lines into writes of up to this many bytes, written at the latest after
   * `flushMs`, instead of one write to stdout per line (at hundreds of lines a second, the
   * writes cost a busy server more than the lines). Written out on exit. 0: a write per line;
   * at most 16383 (sonic-boom's largest write is 16 KiB).
   */
  bufferBytes?: number;
  flushMs?: number;
}

export function createLogger(name: string, level = 'info', options: LoggerOptions = {}): Logger {
  const settings = {
    name,
    level,
    // Tokens and personal data never reach the logs: drop the headers that carry them.
    redact: ['req.headers.authorization', 'headers.authorization', 'authorization'],
  };
  const bufferBytes = options.bufferBytes ?? 0;
  if (bufferBytes <= 0 || level === 'silent') return pino(settings);
  // Synchronous writes (as pino's default stdout): no write is still in flight when the
  // process exits, so what is left in the buffer can be written out then. periodicFlush: a
  // quiet server's lines still come out, at most flushMs late.
  const destination = pino.destination({ dest: 1, minLength: bufferBytes, sync: true, periodicFlush: options.flushMs ?? 250 });
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // stdout already closed: nothing to write to
    }
  });
  return pino(settings, destination);
}
