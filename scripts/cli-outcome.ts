/**
 * One convention for the outcome of every one-off command (rio:import, rio:sync, oso:migrate,
 * agreements:import, suppliers:import, mandates:repair):
 *
 *   exit 0: every row (record) was taken;
 *   exit 2: some were rejected, the rest was written;
 *   exit 1: nothing was done (bad arguments, unreadable file, database unreachable, every row
 *           rejected, another run busy).
 *
 * A summary that counts what happened ends the text output. With --json, stdout holds exactly
 * one JSON document for every outcome, errors included: { command, exitCode, outcome, summary,
 * report } or { command, exitCode: 1, outcome: "nothing done", error }. Messages for people go
 * to stderr either way.
 */

export type ExitCode = 0 | 1 | 2;

export const OUTCOMES: Record<ExitCode, string> = {
  0: 'every row taken',
  2: 'some rows rejected, the rest written',
  1: 'nothing done',
};

/** The same outcomes said of a dry run, which writes nothing. */
export const DRY_RUN_OUTCOMES: Record<ExitCode, string> = {
  0: 'every row would be taken',
  2: 'some rows rejected, the rest would be written',
  1: 'nothing would be done',
};

/** The exit code from how many rows were read and how many of them were rejected. */
export function exitCodeOf(rows: number, rejected: number): ExitCode {
  if (rejected === 0) return 0;
  return rejected < rows ? 2 : 1;
}

/** Thrown (or passed to fail) for an outcome where nothing was done. */
export class NothingDone extends Error {
  override name = 'NothingDone';
}

export interface CommandOutput {
  readonly json: boolean;
  /** Prints the error (JSON on stdout with --json; the message on stderr always) and exits 1. */
  fail(message: string): never;
  /**
   * Prints the result: the text lines and the summary (or the JSON document) and sets the
   * exit code. Returns the exit code.
   */
  finish(exitCode: ExitCode, summary: string, report: unknown, lines?: readonly string[], options?: { dryRun?: boolean }): ExitCode;
}

export function commandOutput(command: string, argv: readonly string[] = process.argv.slice(2)): CommandOutput {
  // Read before the arguments are parsed, so that a usage error is JSON too.
  const json = argv.includes('--json');
  return {
    json,
    fail(message: string): never {
      if (json) console.log(JSON.stringify({ command, exitCode: 1, outcome: OUTCOMES[1], error: message }, null, 2));
      console.error(`${command}: ${message}`);
      process.exit(1);
    },
    finish(exitCode, summary, report, lines = [], options = {}) {
      const outcome = options.dryRun ? DRY_RUN_OUTCOMES[exitCode] : OUTCOMES[exitCode];
      if (json) console.log(JSON.stringify({ command, exitCode, outcome, summary, report }, null, 2));
      else {
        for (const line of lines) console.log(line);
        console.log(`${command}: ${summary} (exit ${exitCode}: ${outcome})`);
      }
      process.exitCode = exitCode;
      return exitCode;
    },
  };
}

/** The message of anything thrown, for a one-line error. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
