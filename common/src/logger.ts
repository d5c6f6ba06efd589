import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, level = 'info'): Logger {
  return pino({
    name,
    level,
    // Tokens and personal data never reach the logs: drop the headers that carry them.
    redact: ['req.headers.authorization', 'headers.authorization', 'authorization'],
  });
}
