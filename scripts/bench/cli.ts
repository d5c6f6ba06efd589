/**
 * Command-line plumbing shared by the benchmarks (bench.ts, bench-analytics.ts): options
 * parsed with clear messages (exit 2 and the usage), percentiles, and a run that stops every
 * process it started whatever happens, also on Ctrl-C.
 */

/**
 * Runs parseArgs (or any parser): an unknown or malformed option prints the message and the
 * usage (exit 2), --help the usage (exit 0). Returns the values with checkers that print the
 * usage too.
 */
export function parseOptions<T extends { help?: boolean | undefined }>(parse: () => { values: T }, usage: string) {
  let values: T;
  try {
    values = parse().values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  return {
    values,
    wholeNumber: (name: string, text: string | undefined, min: number, max: number) => wholeNumber(name, text, min, max, usage),
    /** A comma-separated list of known names (at least one). */
    names: <N extends string>(name: string, text: string, known: readonly N[]): N[] => {
      const list = text.split(',').map((t) => t.trim()).filter(Boolean);
      const unknown = list.filter((t) => !(known as readonly string[]).includes(t));
      if (unknown.length || !list.length) {
        console.error(`--${name}: ${unknown.length ? `unknown ${unknown.join(', ')}` : 'name at least one'} (known: ${known.join(', ')})`);
        process.exit(2);
      }
      return list as N[];
    },
  };
}

/** A whole number option within [min, max], else a message, the usage and exit 2. */
export function wholeNumber(name: string, text: string | undefined, min: number, max: number, usage: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} ${JSON.stringify(text)} is invalid: a whole number from ${min} to ${max}\n${usage}`);
    process.exit(2);
  }
  return n;
}

/** Nearest-rank percentile of sorted values (0 for none). */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Runs main, then stops everything and exits with its status (1 when it throws). Ctrl-C
 * stops everything too and exits with interruptedCode() (130 unless told otherwise).
 */
export async function runAndExit(main: () => Promise<number>, stop: () => Promise<void>, say: (line: string) => void, interruptedCode: () => number = () => 130): Promise<never> {
  process.on('SIGINT', () => {
    say('interrupted: stopping every process started');
    void stop().finally(() => process.exit(interruptedCode()));
  });
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
