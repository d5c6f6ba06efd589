/**
 * npm run bench:limits -- [--repeat 5] [--target-ms 50]
 *
 * The gateway's CPU time per hostile request (hostile documents and JSON bodies): starts the gateway alone as a
 * child process (default limits; its subgraph URLs point at a closed port, so a request that
 * passes the limits is planned and then fails fast at the fetch), sends each shape of request
 * `repeat` times, and reads the gateway's own CPU counter (process_cpu_seconds_total from its
 * /metrics) before and after. Prints a table; exits 1 when a shape costs more than the target
 * (50 ms of gateway CPU per request by default, the target of issue 17).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { getIntrospectionQuery } from 'graphql';
import { freePort } from './ferretdb.js';
import { parseOptions, runAndExit } from '@osr/common/cli';
import { SUBGRAPH_NAMES, post } from './bench/processes.js';
import { ProcessGroup, waitFor } from './processes.js';

const USAGE = 'usage: npm run bench:limits -- [--repeat 5] [--target-ms 50]';
const { values, wholeNumber } = parseOptions(() => parseArgs({
  options: { repeat: { type: 'string', default: '5' }, 'target-ms': { type: 'string', default: '50' }, help: { type: 'boolean', default: false } },
}), USAGE);
const repeat = wholeNumber('repeat', values.repeat, 1, 100);
const targetMs = wholeNumber('target-ms', values['target-ms'], 1, 10_000);
const say = (line: string) => console.log(`[bench:limits] ${line}`);

const times = (n: number, f: (i: number) => string, sep = ' ') => Array.from({ length: n }, (_, i) => f(i)).join(sep);
const nest = (levels: number) => {
  let q = 'brin';
  for (let i = 0; i < levels; i++) q = `board { schools { ${q} } }`;
  return `{ school(brin: "25BE") { ${q} } }`;
};
const doubling = (levels: number) =>
  ['{ services { ...F0 } }', ...Array.from({ length: levels }, (_, i) => `fragment F${i} on Service { ${i === levels - 1 ? 'code' : `...F${i + 1} ...F${i + 1}`} }`)].join('\n');
const MiB = 1024 * 1024;
/** `n` keys of an object's text ("0":0,"1":0,…, base 36). */
const keys = (n: number) => times(n, (i) => `"${i.toString(36)}":0`, ',');
/** Fills a body up to just under 1 MiB with a comment. */
const padded = (query: string) => `${query}\n#${'x'.repeat(MiB - query.length - 200)}`;

/** Each shape: a name and the JSON body sent. */
const SHAPES: { name: string; body: string }[] = [
  { name: 'baseline: { __typename }', body: JSON.stringify({ query: '{ __typename }' }) },
  { name: 'fragment doubling, 23 levels (1.3 kB)', body: JSON.stringify({ query: doubling(23) }) },
  { name: 'fragment doubling, 60 levels', body: JSON.stringify({ query: doubling(60) }) },
  { name: '20,000 __typename aliases (369 kB)', body: JSON.stringify({ query: `{ services { ${times(20_000, (i) => `a${i}: __typename`)} } }` }) },
  { name: '900 __typename aliases (under the token limit)', body: JSON.stringify({ query: `{ services { ${times(900, (i) => `a${i}: __typename`)} } }` }) },
  { name: '4,000 __schema aliases (511 kB)', body: JSON.stringify({ query: `{ ${times(4_000, (i) => `s${i}: __schema { types { name fields { name } } }`)} }` }) },
  { name: '2 __schema aliases (accepted, cost 40,000)', body: JSON.stringify({ query: `{ ${times(2, (i) => `s${i}: __schema { types { name fields { name args { name } } } }`)} }` }) },
  { name: 'standard introspection query', body: JSON.stringify({ query: getIntrospectionQuery() }) },
  { name: 'nesting 700 levels (under the token limit)', body: JSON.stringify({ query: nest(700) }) },
  { name: 'nesting 40,000 levels (0.9 MiB)', body: JSON.stringify({ query: nest(40_000) }) },
  { name: '400 identical fields in one set (at the field limit)', body: JSON.stringify({ query: `{ services { ${times(399, () => 'code')} } }` }) },
  { name: '400 identical __typename at the root', body: JSON.stringify({ query: `{ ${times(400, () => '__typename')} }` }) },
  { name: '1,000 identical __typename (not counted before)', body: JSON.stringify({ query: `{ ${times(1_000, () => '__typename')} }` }) },
  { name: '9 operations of 300 __typename (under every limit)', body: JSON.stringify({ query: times(9, (o) => `query Q${o} { ${times(300, () => '__typename')} }`, '\n'), operationName: 'Q0' }) },
  { name: '400 unused fragments', body: JSON.stringify({ query: `{ services { code } } ${times(400, (i) => `fragment U${i} on Service { code }`)}` }) },
  { name: '700 variables', body: JSON.stringify({ query: `query (${times(700, (i) => `$v${i}: Int`)}) { services { code } }` }) },
  { name: '50 unused variables (at the variable limit)', body: JSON.stringify({ query: `query (${times(50, (i) => `$v${i}: Int`)}) { services { code } }` }) },
  { name: 'a 1 MiB comment', body: JSON.stringify({ query: padded('{ services { code } }') }) },
  { name: 'a 1 MiB string argument', body: JSON.stringify({ query: `{ school(brin: "${'x'.repeat(MiB - 200)}") { name } }` }) },
  // The shape of the JSON body (variables, extensions): bounded before it is parsed.
  { name: 'variables: arrays nested 100,000 deep', body: `{"query":"{ services { code } }","variables":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}` },
  { name: 'variables: arrays nested 500,000 deep (0.95 MiB)', body: `{"query":"{ services { code } }","variables":{"a":${'['.repeat(500_000)}${']'.repeat(500_000)}}}` },
  { name: 'variables: objects nested 150,000 deep (0.86 MiB)', body: `{"query":"{ services { code } }","variables":${'{"a":'.repeat(150_000)}1${'}'.repeat(150_000)}}` },
  { name: 'extensions: arrays nested 500,000 deep (0.95 MiB)', body: `{"query":"{ services { code } }","extensions":{"a":${'['.repeat(500_000)}${']'.repeat(500_000)}}}` },
  { name: 'variables: 110,000 keys (0.94 MiB)', body: `{"query":"{ services { code } }","variables":{${keys(110_000)}}}` },
  { name: 'extensions: 110,000 keys (0.94 MiB)', body: `{"query":"{ services { code } }","extensions":{${keys(110_000)}}}` },
  { name: 'variables: 240,000 values in small objects (0.92 MiB)', body: `{"query":"{ services { code } }","variables":{"a":[${times(80_000, () => '{"b":[1]}', ',')}]}}` },
  {
    name: 'variables at every bound: 32 levels, 1,000 keys, 10,000 values (accepted)',
    body: `{"query":"{ services { code } }","variables":{"a":${'['.repeat(30)}${']'.repeat(30)},"b":{${keys(999)}},"c":[${times(8_900, () => '1', ',')}]}}`,
  },
  {
    name: 'a used list variable of 9,990 enum values (accepted)',
    body: JSON.stringify({ query: 'query ($s: [ServiceCode!]) { mandateCounts(services: $s, groupBy: [SERVICE]) { count } }', variables: { s: Array.from({ length: 9_990 }, () => 'OSO_OV') } }),
  },
];

const group = new ProcessGroup();

async function cpuSeconds(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const value = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  return value('process_cpu_user_seconds_total') + value('process_cpu_system_seconds_total');
}

async function main(): Promise<number> {
  const port = await freePort();
  const closed = await freePort(); // nothing listens there: subgraph fetches fail at once
  group.start('gateway', 'gateway/src/index.ts', {
    PORT: String(port),
    OSR_IDENTITY_SECRET: randomBytes(32).toString('base64url'),
    RATE_LIMIT_PER_MINUTE: '0',
    ...Object.fromEntries(SUBGRAPH_NAMES.map((n) => [`SUBGRAPH_${n.toUpperCase()}_URL`, `http://127.0.0.1:${closed}/graphql`])),
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor('gateway', async () => (await fetch(`${base}/health`)).ok);
  const url = `${base}/graphql`;
  const metricsUrl = `${base}/metrics`;
  // Warm up (JIT, the query planner's caches) with a few of each.
  for (const shape of SHAPES) await post(url, shape.body, {});

  const rows: { shape: string; kB: number; status: number; answer: string; cpuMs: number }[] = [];
  for (const shape of SHAPES) {
    let last = { status: 0, text: '' };
    const before = await cpuSeconds(metricsUrl);
    for (let i = 0; i < repeat; i++) last = await post(url, shape.body, {});
    const after = await cpuSeconds(metricsUrl);
    let answer = '';
    try {
      const json = JSON.parse(last.text) as { errors?: { message: string; extensions?: { code?: string } }[] };
      answer = json.errors?.length ? `${json.errors[0]!.extensions?.code ?? ''} ${json.errors[0]!.message}`.slice(0, 80) : 'data';
    } catch {
      answer = last.text.slice(0, 80);
    }
    rows.push({ shape: shape.name, kB: Math.round(Buffer.byteLength(shape.body) / 1024), status: last.status, answer, cpuMs: ((after - before) * 1000) / repeat });
  }

  console.log(`\ngateway CPU per request (mean of ${repeat}, includes one /metrics read per ${repeat} requests)\n`);
  console.log('| request | kB | status | answer | gateway CPU ms |');
  console.log('|---|---:|---:|---|---:|');
  for (const r of rows) console.log(`| ${r.shape} | ${r.kB} | ${r.status} | ${r.answer.replace(/\|/g, '/')} | ${r.cpuMs.toFixed(1)} |`);
  const over = rows.filter((r) => r.cpuMs > targetMs);
  if (over.length) {
    say(`over the target of ${targetMs} ms: ${over.map((r) => r.shape).join('; ')}`);
    return 1;
  }
  say(`every request within ${targetMs} ms of gateway CPU`);
  return 0;
}

await runAndExit(main, () => group.stop(), say);
