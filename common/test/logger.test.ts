/**
 * The buffered logger (createLogger with bufferBytes): lines gathered into larger writes come
 * out on their own while the process runs quietly, and none is lost when it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const loggerModule = fileURLToPath(new URL('../src/logger.ts', import.meta.url));

/** A node process of its own running the script (stdout a pipe, as in a container); onLine gets each stdout line. */
function run(script: string, onLine: (line: { msg: string; name: string; n?: number }) => void): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { createLogger } from ${JSON.stringify(loggerModule)};\n${script}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let rest = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop()!;
    for (const line of lines) onLine(JSON.parse(line) as { msg: string; name: string });
  });
  return child;
}

describe('the buffered logger', () => {
  it('writes the line of a quiet process without waiting for the buffer to fill', async () => {
    let seen!: (line: unknown) => void;
    const first = new Promise<unknown>((r) => (seen = r));
    // One line, far below the buffer; the process then stays alive until killed.
    const child = run(`createLogger('quiet', 'info', { bufferBytes: 8192, flushMs: 50 }).info('one line'); setInterval(() => {}, 1000);`, seen);
    try {
      expect(await first).toMatchObject({ msg: 'one line', name: 'quiet', level: 30 });
      expect(child.exitCode, 'written while the process runs').toBeNull();
    } finally {
      child.kill('SIGKILL');
      await once(child, 'close');
    }
  });

  it('loses no line when the process exits with lines still in the buffer', async () => {
    const lines: { n?: number }[] = [];
    const child = run(`const log = createLogger('busy', 'info', { bufferBytes: 8192, flushMs: 60000 }); for (let n = 1; n <= 500; n++) log.info({ n }, 'line'); process.exit(0);`, (l) => lines.push(l));
    const [code] = (await once(child, 'close')) as [number | null];
    expect(code).toBe(0);
    expect(lines.map((l) => l.n)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
  });
});
