/**
 * npm start's log output: pretty on a terminal, JSON lines otherwise and in production; the
 * pretty stream turns a real pino line into a readable one and passes other lines unchanged.
 */
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { logFormat, prettyLogStream } from '../scripts/log-output.js';

describe('npm start log output', () => {
  it('is pretty on a terminal, JSON when piped, and JSON in production even on a terminal', () => {
    expect(logFormat({ isTTY: true }, {})).toBe('pretty');
    expect(logFormat({ isTTY: false }, {})).toBe('json');
    expect(logFormat({}, {})).toBe('json');
    expect(logFormat({ isTTY: true }, { NODE_ENV: 'production' })).toBe('json');
    expect(logFormat({ isTTY: true }, { NODE_ENV: 'development' })).toBe('pretty');
  });

  it('pretty-prints a pino line (level, process name, message, the other fields) and passes a plain line through', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const pretty = prettyLogStream(out, false);
    const lines = new PassThrough();
    lines.pipe(pretty);
    const logger = pino({ name: 'gateway' }, lines);
    logger.info({ port: 4000 }, 'listening');
    logger.error('subgraph mandates unreachable');
    lines.write('not json\n');
    lines.end();
    await new Promise((resolve) => pretty.on('finish', resolve));
    const text = chunks.join('');
    expect(text).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO \(gateway\): listening\n {4}port: 4000\n/m);
    expect(text).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] ERROR \(gateway\): subgraph mandates unreachable$/m);
    expect(text).toContain('not json\n');
    expect(text).not.toContain('"level"');
  });
});
