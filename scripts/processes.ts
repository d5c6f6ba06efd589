/**
 * The services of the system as child processes of one script (`osr start`, the benchmarks,
 * the limits harness): each started with tsx from its entry file, each stopping itself when
 * its stdin closes (OSR_EXIT_ON_STDIN_CLOSE), so that none outlives the script even when the
 * script is killed; stopped together.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { SetupError, repoRoot } from './ferretdb.js';

export interface StartOptions {
  /**
   * What becomes of the service's stdout (its JSON log lines): 'ignore', 'inherit', or
   * 'pipe' for the caller to read child.stdout (e.g. to pretty-print it). Default 'ignore'.
   */
  stdout?: 'ignore' | 'inherit' | 'pipe';
  /** Told when the service ends before stop() was called. */
  onUnexpectedExit?: (description: string) => void;
}

/** The child processes started, stopped together. */
export class ProcessGroup {
  readonly children: { name: string; child: ChildProcess }[] = [];
  private stopping = false;

  /** cpuProfileDir: write a V8 CPU profile of every process there. */
  constructor(private readonly cpuProfileDir: string | null = null) {}

  /** Starts `node --import tsx <entry>` (a path from the repository's root) with env over this process's. */
  start(name: string, entry: string, env: Record<string, string>, options: StartOptions = {}): ChildProcess {
    const profile = this.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', this.cpuProfileDir, '--cpu-prof-name', `${name}-${Date.now()}.cpuprofile`] : [];
    const child = spawn(process.execPath, [...profile, '--import', 'tsx', join(repoRoot, entry)], {
      cwd: repoRoot,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env, OSR_EXIT_ON_STDIN_CLOSE: '1' },
      // stdin is a pipe: when this process dies, the child sees it close and stops itself.
      stdio: ['pipe', options.stdout ?? 'ignore', 'inherit'],
    });
    this.children.push({ name, child });
    child.on('exit', (code, signal) => {
      if (!this.stopping) options.onUnexpectedExit?.(`${name} exited unexpectedly (${signal ?? `code ${code}`})`);
    });
    return child;
  }

  /** Closes every child's stdin (they stop themselves), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            child.stdin?.end();
          }),
      ),
    );
  }
}

/** Resolves once check() is true (a throw counts as not yet); throws after timeoutMs. */
export async function waitFor(name: string, check: () => Promise<boolean>, timeoutMs = 90_000, abandoned: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (abandoned()) return;
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new SetupError(`${name} did not become ready within ${timeoutMs / 1000} s`);
}

/** True when GET url answers 2xx within a second. */
export async function answers(url: string): Promise<boolean> {
  return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok;
}
