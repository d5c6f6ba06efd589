/**
 * What every operator command shares (the `osr` command line, scripts/osr.ts, mounts them):
 * a declarative description (arguments, options, help) the command's package exports, and a
 * context the command line hands it (output, database, progress, tables, peers). A package's
 * commands depend on this module only, never on the command line's own code.
 *
 * The outcome of every command:
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
import cliProgress from 'cli-progress';
import type { Database, SubgraphName } from './db.js';
import Table from 'cli-table3';

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
  finish(exitCode: ExitCode, summary: string, report: unknown, lines?: readonly string[], options?: FinishOptions): ExitCode;
}

export interface FinishOptions {
  /** a dry run: the outcome said in the conditional (DRY_RUN_OUTCOMES) */
  dryRun?: boolean;
  /** the outcome in words for a command that does not take rows (e.g. "token issued") */
  outcome?: string;
}

export function commandOutput(command: string, json: boolean): CommandOutput {
  return {
    json,
    fail(message: string): never {
      if (json) console.log(JSON.stringify({ command, exitCode: 1, outcome: OUTCOMES[1], error: message }, null, 2));
      console.error(`${command}: ${message}`);
      process.exit(1);
    },
    finish(exitCode, summary, report, lines = [], options = {}) {
      const outcome = options.outcome ?? (options.dryRun ? DRY_RUN_OUTCOMES[exitCode] : OUTCOMES[exitCode]);
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

/**
 * The problem with a whole-number option's text, or null: digits only (no sign, no exponent,
 * no blanks), within [min, max]. Every command and benchmark checks its numbers with it.
 */
export function wholeNumberProblem(text: string | undefined, min: number, max: number): string | null {
  const n = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || n < min || n > max) return `${JSON.stringify(text ?? '')} is invalid: a whole number from ${min} to ${max}`;
  return null;
}

/** A command's whole-number option (its text as commander gives it) within [min, max]; else the command fails naming the option (exit 1). */
export function wholeNumberOption(out: CommandOutput, flag: string, value: unknown, min: number, max: number): number {
  const text = typeof value === 'string' ? value : undefined;
  const problem = wholeNumberProblem(text, min, max);
  if (problem) out.fail(`${flag} ${problem}`);
  return Number(text);
}

/** Nearest-rank percentile of sorted values (0 for none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Options of a script outside `osr` (the benchmarks) parsed with the same outcomes as a
 * command's: --help prints the usage (exit 0); an unknown or malformed option, a number out
 * of range or an unknown name prints the message and the usage, and nothing is done (exit 1).
 */
export function parseOptions<T extends { help?: boolean | undefined }>(parse: () => { values: T }, usage: string) {
  const usageError = (message: string): never => {
    console.error(`${message}\n${usage}`);
    process.exit(1);
  };
  let values!: T;
  try {
    values = parse().values;
  } catch (err) {
    usageError(messageOf(err));
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  return {
    values,
    /** A whole number within [min, max]. */
    wholeNumber(name: string, text: string | undefined, min: number, max: number): number {
      const problem = wholeNumberProblem(text, min, max);
      if (problem) usageError(`--${name} ${problem}`);
      return Number(text);
    },
    /** A comma-separated list of known names (at least one). */
    names<N extends string>(name: string, text: string, known: readonly N[]): N[] {
      const list = text.split(',').map((t) => t.trim()).filter(Boolean);
      const unknown = list.filter((t) => !(known as readonly string[]).includes(t));
      if (unknown.length || !list.length) usageError(`--${name}: ${unknown.length ? `unknown ${unknown.join(', ')}` : 'name at least one'} (known: ${known.join(', ')})`);
      return list as N[];
    },
  };
}

/**
 * Runs main, then stop (every process it started), then exits with main's status (1 when it
 * throws). Ctrl-C (and SIGTERM) stop everything too and exit with interruptedCode() (130
 * unless told otherwise).
 */
export async function runAndExit(main: () => Promise<number>, stop: () => Promise<void>, say: (line: string) => void, interruptedCode: () => number = () => 130): Promise<never> {
  const interrupted = () => {
    say('interrupted: stopping every process started');
    void stop().finally(() => process.exit(interruptedCode()));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let code = 1;
  try {
    code = await main();
  } catch (err) {
    console.error(err);
  } finally {
    await stop();
  }
  process.exit(code);
}

/** Progress callback of a long job: (done, total). */
export type Progress = (done: number, total: number) => void;

/**
 * Progress for long jobs on stderr: a bar (cli-progress) that redraws on a terminal, a line
 * per 10% otherwise (a log file keeps a few lines, not thousands of redraws).
 */
export function progressReporter(label: string, stream: NodeJS.WriteStream = process.stderr): Progress & { stop(): void } {
  let bar: cliProgress.SingleBar | null = null;
  let lastDecile = -1;
  const report = (done: number, total: number) => {
    if (stream.isTTY) {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { stream, format: `${label} [{bar}] {percentage}% {value}/{total} {duration_formatted}`, hideCursor: true, clearOnComplete: false },
          cliProgress.Presets.legacy,
        );
        bar.start(total, done);
      }
      bar.setTotal(total);
      bar.update(done);
      if (done >= total) report.stop();
      return;
    }
    const share = total === 0 ? 1 : done / total;
    const decile = Math.floor(share * 10);
    if (decile > lastDecile) {
      lastDecile = decile;
      stream.write(`${label}: ${done}/${total} (${decile * 10}%)\n`);
    }
  };
  report.stop = () => {
    bar?.stop();
    bar = null;
  };
  return report;
}

/** A table for people (cli-table3): a header row, then the rows; numbers right-aligned. */
export function formatTable(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const table = new Table({
    head: [...head],
    style: { head: [], border: [] },
    // one line per row: no rule between rows
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    colAligns: head.map((_, i) => (rows.length > 0 && rows.every((r) => typeof r[i] === 'number') ? 'right' : 'left')),
  });
  for (const row of rows) table.push(row.map((cell) => (typeof cell === 'number' ? cell.toLocaleString('en-US') : cell)));
  return table.toString();
}

/** One option of a command, as in its --help: flags like '--batch-size <n>' or '--dry-run'. */
export interface OptionSpec {
  flags: string;
  description: string;
  default?: string | boolean;
}

/** One positional argument: '<file>' (required), '[file]' (optional), '<files...>' (one or more). */
export interface ArgumentSpec {
  name: string;
  description: string;
}

/** The settings every command reads, validated once by the command line before any command runs. */
export interface CommandEnvironment {
  /** prefix of every database name (DB_PREFIX, default osr_) */
  prefix: string;
  /** the data folder (OSR_DATA_DIR) */
  dataDir: string;
  /** MONGODB_URI when set */
  mongodbUri: string | undefined;
}

/** A subgraph's API for a command that must ask it (e.g. the migration asks organisations about schools). */
export interface PeerEndpoint {
  url: string;
  identitySecret: string;
  close(): Promise<void>;
}

export interface CommandContext {
  out: CommandOutput;
  env: CommandEnvironment;
  /**
   * Runs work against the database server: MONGODB_URI when set; else the embedded server of
   * a running `npm start`; else an embedded server of its own on the data folder, stopped afterwards.
   */
  withDatabase<T>(work: (uri: string) => Promise<T>): Promise<T>;
  /**
   * withDatabase, connected to one subgraph's database (DB_PREFIX + name): a server that cannot
   * be reached fails the command (exit 1, "Cannot reach the database at ..." with the address
   * redacted); the connection is closed when work ends, whatever happens.
   */
  withSubgraphDatabase<T>(name: SubgraphName, work: (database: Database, uri: string) => Promise<T>): Promise<T>;
  /**
   * A subgraph's API: the running system's (ORGANISATIONS_URL and OSR_IDENTITY_SECRET set),
   * else one served in-process on the same database for this run.
   */
  peer(name: 'organisations', uri: string): Promise<PeerEndpoint>;
  progress(label: string): Progress & { stop(): void };
}

/**
 * An operator command, mounted by the command line as `osr <group> <name>`, or `osr <group>`
 * for one without a name (`osr start`, `osr token`).
 */
export interface CommandSpec {
  group: string;
  name?: string;
  /** the npm run name kept as an alias, and the command named in outputs (e.g. rio:import) */
  alias: string;
  summary: string;
  /** more help text after the options (formats, examples) */
  help?: string;
  arguments?: ArgumentSpec[];
  options?: OptionSpec[];
  /**
   * Whether the command takes --json (default true). A command that serves until Ctrl-C
   * (`osr start`) reports nothing at the end, so it has none.
   */
  json?: boolean;
  run(args: string[], options: Record<string, string | boolean | string[] | undefined>, ctx: CommandContext): Promise<void>;
}
