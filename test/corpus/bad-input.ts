/**
 * The bad-input corpus: requests a hostile or careless client sends, each with the outcome
 * the system must give. Run through the gateway by test/e2e/bad-input.test.ts, which also
 * checks that the database is byte-for-byte unchanged afterwards and no process crashed.
 */

export type Caller = 'none' | 'board' | 'boardWithoutRight' | 'otherBoard' | 'otherBoardSigner' | 'support' | 'analyst' | 'supplier';

export interface Expected {
  /** HTTP status */
  status: number;
  /** extensions.code of the first error; null = no error expected */
  code: string | null;
  /** text the first error message must contain */
  message?: string;
  /** for a successful answer: the data must equal this */
  data?: unknown;
  /** text the whole answer must not contain (what a refusal must not reveal) */
  hides?: string[];
}

export interface BadInputCase {
  name: string;
  /** a raw request body, sent as is */
  raw?: string;
  /** a raw request body as bytes (for bytes that are no UTF-8), sent as is */
  bytes?: Uint8Array<ArrayBuffer>;
  query?: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  caller?: Caller;
  contentType?: string;
  expect: Expected;
}

const bad = (code: string, message?: string, status = 200): Expected => ({ status, code, ...(message ? { message } : {}) });
const refusedHiding = (message: string, hides: string[]): Expected => ({ status: 200, code: 'FORBIDDEN', message, hides });
const VALIDATION = (message: string): Expected => ({ status: 400, code: 'GRAPHQL_VALIDATION_FAILED', message });
/** UTF-8 text with raw bytes between its parts. */
const utf8With = (before: string, bytes: number[], after: string): Uint8Array<ArrayBuffer> =>
  new Uint8Array(Buffer.concat([Buffer.from(before, 'utf8'), Buffer.from(bytes), Buffer.from(after, 'utf8')]));
const JSON_SHAPE = (message: string): Expected => ({ status: 400, code: 'QUERY_LIMIT_EXCEEDED', message });
const BAD_VARIABLE = (message: string): Expected => ({ status: 400, code: 'BAD_USER_INPUT', message });

/** Strings that must never be taken for anything but text. */
export const HOSTILE_STRINGS: { label: string; value: string }[] = [
  { label: 'operator object as JSON text', value: '{"$gt": ""}' },
  { label: '$where', value: '$where' },
  { label: '$where with code', value: '{"$where": "sleep(1000)"}' },
  { label: 'dotted key', value: 'a.b' },
  { label: '$ne null', value: '{"$ne": null}' },
  { label: 'regex', value: '.*' },
  { label: 'combining mark', value: '25BE\u0301' },
  { label: 'right-to-left override', value: '\u202E25BE' },
  { label: 'zero-width space', value: '25\u200BBE' },
  { label: 'NUL byte', value: '25BE\u0000' },
  { label: 'emoji', value: '25\u{1F600}' },
  { label: '10 kB', value: 'x'.repeat(10_240) },
];

/** Arguments that reach a database query, with the outcome a hostile string gets there. */
const LOOKUPS: { field: string; query: (v: string) => string; variables: (v: string) => Record<string, unknown>; expect: (v: string) => Expected }[] = [
  {
    field: 'board.bevoegdGezagNummer',
    query: () => 'query ($v: ID!) { board(bevoegdGezagNummer: $v) { name } }',
    variables: (v) => ({ v }),
    expect: () => bad('BAD_USER_INPUT', 'bevoegdGezagNummer'),
  },
  {
    field: 'school.brin',
    query: () => 'query ($v: ID!) { school(brin: $v) { name } }',
    variables: (v) => ({ v }),
    expect: () => bad('BAD_USER_INPUT', 'brin'),
  },
  {
    field: 'samenwerkingsverband.code',
    query: () => 'query ($v: ID!) { samenwerkingsverband(code: $v) { name } }',
    variables: (v) => ({ v }),
    expect: () => bad('BAD_USER_INPUT', 'code'),
  },
  {
    field: 'supplier.oin',
    query: () => 'query ($v: ID!) { supplier(oin: $v) { name } }',
    variables: (v) => ({ v }),
    expect: () => bad('BAD_USER_INPUT', 'oin'),
  },
  {
    field: 'mandate.id',
    query: () => 'query ($v: ID!) { mandate(id: $v) { id } }',
    variables: (v) => ({ v }),
    // Ids are free text up to 64 characters: a hostile one is looked up as text and not found.
    expect: (v) => (v.length > 64 ? bad('BAD_USER_INPUT', 'at most 64 characters') : { status: 200, code: null, data: { mandate: null } }),
  },
  {
    field: 'supplierMandates.supplier',
    query: () => 'query ($v: ID!) { supplierMandates(supplier: $v, first: 5) { edges { cursor } } }',
    variables: (v) => ({ v }),
    expect: () => bad('BAD_USER_INPUT', 'supplier'),
  },
  {
    field: 'supplierMandates.after',
    query: () => 'query ($v: String) { supplierMandates(supplier: "00000003272448340204", after: $v) { edges { cursor } } }',
    variables: (v) => ({ v }),
    expect: () => bad('BAD_USER_INPUT', 'not a cursor returned by this API'),
  },
];

/** A cursor as this API encodes them, holding whatever the attacker chose. */
const cursor = (key: Record<string, unknown>) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

/** Cursors of the right shape whose numbers no page of this API can have written (issue 17.7). */
const OUT_OF_RANGE_CURSORS: { label: string; key: Record<string, unknown> }[] = [
  { label: 't 1e300', key: { t: 1e300, id: 'm-1' } },
  { label: 't beyond the last Date', key: { t: 9e15, id: 'm-1' } },
  { label: 't negative', key: { t: -1, id: 'm-1' } },
  { label: 't a fraction', key: { t: 0.5, id: 'm-1' } },
];

function cursorCases(): BadInputCase[] {
  const cases: BadInputCase[] = OUT_OF_RANGE_CURSORS.map(({ label, key }) => ({
    name: `supplierMandates.after: ${label}`,
    query: 'query ($a: String) { supplierMandates(supplier: "00000003272448340204", after: $a) { edges { cursor } } }',
    variables: { a: cursor(key) },
    caller: 'support' as const,
    expect: bad('BAD_USER_INPUT', 'not a cursor returned by this API'),
  }));
  for (const q of [1e300, -5, 1.5]) {
    cases.push({
      name: `organisationChanges.after: q ${q}`,
      query: 'query ($a: String) { organisationChanges(after: $a) { edges { cursor } } }',
      variables: { a: cursor({ q }) },
      caller: 'support',
      expect: bad('BAD_USER_INPUT', 'not a cursor returned by this API'),
    });
  }
  return cases;
}

function hostileCases(): BadInputCase[] {
  const cases: BadInputCase[] = [];
  for (const lookup of LOOKUPS) {
    for (const s of HOSTILE_STRINGS) {
      cases.push({
        name: `${lookup.field}: ${s.label}`,
        query: lookup.query(s.value),
        variables: lookup.variables(s.value),
        caller: 'support',
        expect: lookup.expect(s.value),
      });
    }
  }
  return cases;
}

const GRANT = (input: string) => `mutation { grantMandate(input: { ${input} }) { mandates { id } } }`;

/**
 * Issue 17.5: nothing about another board's mandates leaks. The caller's right to the school
 * or board is checked before anything is looked up; "missing" and "not yours" answer alike.
 */
const LEAK_CASES: BadInputCase[] = [
  {
    name: "grant on another board's school names nothing of its mandate",
    query: GRANT('service: OSO_OV, systemId: "voorbeeld-las", brin: "00AV", bevoegdGezagNummer: "42001", startDate: "2030-01-01"'),
    caller: 'otherBoard',
    expect: refusedHiding('not a school of your board', ['m-00AV', '2022-08-15', 'Voorbeeld LAS', 'voorbeeld-las', '41234']),
  },
  {
    name: 'grant on a school unknown to RIO answers as another board\'s school',
    query: GRANT('service: OSO_OV, systemId: "voorbeeld-las", brin: "99ZZ", bevoegdGezagNummer: "42001", startDate: "2030-01-01"'),
    caller: 'otherBoard',
    expect: refusedHiding('not a school of your board', ['not in RIO']),
  },
  {
    name: "switch on another board's school with a mandate of that system",
    query: 'mutation { switchSystem(input: { brin: "00AV", service: OSO_OV, fromSystemId: "voorbeeld-las", toSystemId: "ldd-las", startDate: "2030-01-01" }) { mandates { id } } }',
    caller: 'otherBoard',
    expect: refusedHiding('School 00AV is not a school of your board', ['41234', 'm-00AV']),
  },
  {
    name: "switch on another board's school without a mandate of that system answers the same",
    query: 'mutation { switchSystem(input: { brin: "05LM", service: OSO_OV, fromSystemId: "voorbeeld-las", toSystemId: "ldd-las", startDate: "2030-01-01" }) { mandates { id } } }',
    caller: 'otherBoard',
    expect: refusedHiding('School 05LM is not a school of your board', ['No mandate']),
  },
  {
    name: 'review of guessed ids lists existing and missing ones alike',
    query: 'mutation { markMandatesReviewed(ids: ["m-00AV-OSO_OV-voorbeeld-las-2022-08-15", "m-guess-1"]) { mandates { id } } }',
    caller: 'otherBoard',
    expect: refusedHiding('do not exist or you may not review them: m-00AV-OSO_OV-voorbeeld-las-2022-08-15, m-guess-1', ['41234']),
  },
  {
    name: "end another board's mandate",
    query: 'mutation { endMandate(input: { id: "m-00AV-OSO_OV-voorbeeld-las-2022-08-15", endDate: "2030-01-01", expectedVersion: 1 }) { mandates { id } } }',
    caller: 'otherBoard',
    expect: refusedHiding('does not exist or you may not change it', ['41234']),
  },
  {
    name: 'end a mandate that does not exist answers the same to a board',
    query: 'mutation { endMandate(input: { id: "m-guess-2", endDate: "2030-01-01", expectedVersion: 1 }) { mandates { id } } }',
    caller: 'otherBoard',
    expect: refusedHiding('does not exist or you may not change it', []),
  },
  { name: 'mandate by id without a token (existing)', query: '{ mandate(id: "m-00AV-OSO_OV-voorbeeld-las-2022-08-15") { id } }', expect: bad('FORBIDDEN', 'You may not see mandates') },
  { name: 'mandate by id without a token (missing) answers the same', query: '{ mandate(id: "m-00AV-OSO_OV-nope-2022-08-15") { id } }', expect: bad('FORBIDDEN', 'You may not see mandates') },
  { name: "mandate by id of another board's mandate", query: '{ mandate(id: "m-00AV-OSO_OV-voorbeeld-las-2022-08-15") { id } }', caller: 'otherBoard', expect: refusedHiding('does not exist or you may not see it', ['41234']) },
  { name: 'mandate by id that does not exist answers the same to a board', query: '{ mandate(id: "m-00AV-OSO_OV-nope-2022-08-15") { id } }', caller: 'otherBoard', expect: refusedHiding('does not exist or you may not see it', []) },
  { name: "agreement by id of another board names no board", query: '{ agreement(id: "a-41234-oso") { status } }', caller: 'otherBoard', expect: refusedHiding('does not exist or you may not read it', ['board 41234', "41234's"]) },
  { name: 'agreement by id that does not exist answers the same to a board', query: '{ agreement(id: "a-99999-none") { status } }', caller: 'otherBoard', expect: refusedHiding('does not exist or you may not read it', []) },
  { name: 'agreement by id with a NUL byte is not found', query: '{ agreement(id: "a-41234-oso\\u0000") { status } }', caller: 'support', expect: { status: 200, code: null, data: { agreement: null } } },
  { name: 'agreement by id without a token', query: '{ agreement(id: "a-41234-oso") { status } }', expect: refusedHiding('You may not read agreements', ['board 41234']) },
  // Agreement changes: the caller's rights before the lookup; missing and another board's answer alike, naming no board.
  ...([
    ['terminateAgreement', (id: string) => `mutation { terminateAgreement(id: "${id}", endDate: "2099-12-31", reason: "ends") { id } }`, 'not yours to change'],
    ['withdrawAgreement', (id: string) => `mutation { withdrawAgreement(id: "${id}") { id } }`, 'not yours to change'],
    ['requestSwvExtension', (id: string) => `mutation { requestSwvExtension(agreementId: "${id}") { id } }`, 'not yours to change'],
    ['signAgreement', (id: string) => `mutation { signAgreement(id: "${id}", contentHash: "${'0'.repeat(64)}") { id } }`, 'not yours to sign'],
  ] as const).flatMap(([name, query, answer]): BadInputCase[] => [
    { name: `${name} of another board's agreement names no board`, query: query('a-41234-oso'), caller: name === 'signAgreement' ? 'otherBoardSigner' : 'otherBoard', expect: refusedHiding(answer, ['board 41234', "41234's", 'OSO']) },
    { name: `${name} of an id that does not exist answers the same`, query: query('a-99999-none'), caller: name === 'signAgreement' ? 'otherBoardSigner' : 'otherBoard', expect: refusedHiding(answer, []) },
    { name: `${name} without a token is refused before the lookup`, query: query('a-41234-oso'), expect: refusedHiding(name === 'signAgreement' ? 'may sign agreements' : 'may change agreements', ['board 41234', 'a-41234-oso']) },
    { name: `${name} by a supplier is refused before the lookup`, query: query('a-99999-none'), caller: 'supplier', expect: refusedHiding(name === 'signAgreement' ? 'may sign agreements' : 'may change agreements', ['a-99999-none']) },
  ]),
  // Review items: the caller's rights before the lookup; a missing id answers as another board's item would.
  { name: 'resolveReviewItem of an id that does not exist by a board names nothing', query: 'mutation { resolveReviewItem(id: "r-41234-000000000000") { id } }', caller: 'otherBoard', expect: refusedHiding('does not exist or is not yours to resolve', ['No review item']) },
  { name: 'resolveReviewItem without a token is refused before the lookup', query: 'mutation { resolveReviewItem(id: "r-41234-000000000000") { id } }', expect: refusedHiding('may resolve review items', ['No review item']) },
  // Issue 17.7: who reviewed a mandate (a person's name) follows the history's rule.
  { name: "supplier asks who reviewed its system's mandate", query: '{ mandate(id: "m-00AV-OSO_OV-voorbeeld-las-2022-08-15") { lastReviewedBy } }', caller: 'supplier', expect: bad('FORBIDDEN', 'who reviewed') },
];

/** Issue 17.6: a board's changes start today or later; support corrects the past only with a reason. */
const PAST_CASES: BadInputCase[] = [
  {
    name: 'backdated grant by a board (ended at birth)',
    query: GRANT('service: OSO_OV, systemId: "voorbeeld-las", brin: "09UV", bevoegdGezagNummer: "41234", startDate: "2022-09-01", endDate: "2023-01-31"'),
    caller: 'board',
    expect: bad('BAD_USER_INPUT', 'starts today or later'),
  },
  {
    name: 'backdated grant by support without a reason',
    query: GRANT('service: OSO_OV, systemId: "voorbeeld-las", brin: "09UV", bevoegdGezagNummer: "41234", startDate: "2022-09-01", endDate: "2023-01-31"'),
    caller: 'support',
    expect: bad('BAD_USER_INPUT', 'reason'),
  },
  {
    name: 'backdated grant by support with a blank reason',
    query: 'mutation { grantMandate(input: { service: OSO_OV, systemId: "voorbeeld-las", brin: "09UV", bevoegdGezagNummer: "41234", startDate: "2022-09-01" }, reason: "   ") { mandates { id } } }',
    caller: 'support',
    expect: bad('BAD_USER_INPUT', 'reason'),
  },
  {
    name: 'backdated end by support without a reason',
    query: 'mutation { endMandate(input: { id: "m-08ST-OSO_OV-voorbeeld-las-2022-08-15", endDate: "2023-01-31", expectedVersion: 1 }) { mandates { id } } }',
    caller: 'support',
    expect: bad('BAD_USER_INPUT', 'reason'),
  },
  {
    name: 'reopening by a board: a later end date for a mandate that ended in 2024',
    query: 'mutation { endMandate(input: { id: "m-31EW-OSO_OV-voorbeeld-las-2022-08-15", endDate: "2030-12-31", expectedVersion: 2 }) { mandates { id } } }',
    caller: 'board',
    expect: bad('BAD_USER_INPUT', 'ended before yesterday'),
  },
  {
    name: 'reopening by support without a reason',
    query: 'mutation { endMandate(input: { id: "m-31EW-OSO_OV-voorbeeld-las-2022-08-15", endDate: "2030-12-31", expectedVersion: 2 }) { mandates { id } } }',
    caller: 'support',
    expect: bad('BAD_USER_INPUT', 'reason'),
  },
  {
    name: "a NUL in a board's reason is bad input, not a server error",
    query: 'mutation { grantMandate(input: { service: OSO_OV, systemId: "voorbeeld-las", brin: "00AV", bevoegdGezagNummer: "41234", startDate: "2031-01-01" }, reason: "moved\\u0000on") { mandates { id } } }',
    caller: 'board',
    expect: bad('BAD_USER_INPUT', 'without control characters'),
  },
  {
    name: 'a NUL in the reason of an agreement termination is bad input',
    query: 'mutation { terminateAgreement(id: "a-41234-oso", endDate: "2099-12-31", reason: "ends\\u0000now") { id } }',
    caller: 'board',
    expect: bad('BAD_USER_INPUT', 'without control characters'),
  },
  {
    name: 'backdated switch by a board',
    query: 'mutation { switchSystem(input: { brin: "01BC", service: OSO_OV, fromSystemId: "voorbeeld-las", toSystemId: "ldd-las", startDate: "2023-01-01" }) { mandates { id } } }',
    caller: 'board',
    expect: bad('BAD_USER_INPUT', 'today or later'),
  },
  {
    name: 'backdated switch by support without a reason',
    query: 'mutation { switchSystem(input: { brin: "01BC", service: OSO_OV, fromSystemId: "voorbeeld-las", toSystemId: "ldd-las", startDate: "2023-01-01" }) { mandates { id } } }',
    caller: 'support',
    expect: bad('BAD_USER_INPUT', 'reason'),
  },
];

const HEADLINE_FIELDS = 'bevoegdGezagNummer name schools { brin aanleverpunten { index } mandates { id } }';
/** `levels` fragments, each spreading the next twice: 2^(levels - 1) copies of one field. */
const doubling = (levels: number) =>
  ['{ services { ...F0 } }', ...Array.from({ length: levels }, (_, i) => `fragment F${i} on Service { ${i === levels - 1 ? 'code' : `...F${i + 1} ...F${i + 1}`} }`)].join('\n');
const deepQuery = (levels: number) => {
  let q = 'brin';
  for (let i = 0; i < levels; i++) q = `board { schools { ${q} } }`;
  return `{ school(brin: "25BE") { ${q} } }`;
};

export const BAD_INPUT_CASES: BadInputCase[] = [
  // Malformed JSON and bodies
  { name: 'body is not JSON', raw: '{"query": ', expect: { status: 400, code: null, message: 'not valid JSON' } },
  { name: 'body is a JSON string', raw: '"{ services { code } }"', expect: { status: 400, code: null } },
  { name: 'body is JSON null', raw: 'null', expect: { status: 400, code: null } },
  { name: 'body is an empty object', raw: '{}', expect: { status: 400, code: null } },
  { name: 'query is a number', raw: '{"query": 5}', expect: { status: 400, code: null } },
  { name: 'variables is a string', raw: '{"query": "{ services { code } }", "variables": "x"}', expect: { status: 400, code: null } },
  // The shape of variables and extensions is bounded (depth 32 from the body, 1,000 keys in
  // an object, 10,000 values), measured on the text before it is parsed (issue 29.3)
  { name: 'deeply nested JSON arrays', raw: `{"query": "{ services { code } }", "variables": {"a": ${'['.repeat(5000)}${']'.repeat(5000)}}}`, expect: JSON_SHAPE('deeper than 32 levels') },
  { name: 'variables nested 500,000 levels (under 1 MiB)', raw: `{"query": "{ services { code } }", "variables": {"a": ${'['.repeat(500_000)}${']'.repeat(500_000)}}}`, expect: JSON_SHAPE('deeper than 32 levels') },
  { name: 'variables of objects nested 150,000 levels', raw: `{"query": "{ services { code } }", "variables": ${'{"a":'.repeat(150_000)}1${'}'.repeat(150_000)}}`, expect: JSON_SHAPE('deeper than 32 levels') },
  { name: 'extensions nested 500,000 levels', raw: `{"query": "{ services { code } }", "extensions": {"a": ${'['.repeat(500_000)}${']'.repeat(500_000)}}}`, expect: JSON_SHAPE('deeper than 32 levels') },
  { name: 'variables with 110,000 keys (under 1 MiB)', raw: `{"query": "{ services { code } }", "variables": {${Array.from({ length: 110_000 }, (_, i) => `"${i.toString(36)}":0`).join(',')}}}`, expect: JSON_SHAPE('more than 1000 keys') },
  { name: 'extensions with 110,000 keys', raw: `{"query": "{ services { code } }", "extensions": {${Array.from({ length: 110_000 }, (_, i) => `"${i.toString(36)}":0`).join(',')}}}`, expect: JSON_SHAPE('more than 1000 keys') },
  { name: 'variables of 240,000 values in small objects', raw: `{"query": "{ services { code } }", "variables": {"a": [${Array.from({ length: 80_000 }, () => '{"b":[1]}').join(',')}]}}`, expect: JSON_SHAPE('more than 10000 values') },
  { name: 'variables nested 30 levels, 1,000 keys, 5,000 values (within the bounds)', raw: `{"query": "{ services { code } }", "variables": {"a": ${'['.repeat(30)}${']'.repeat(30)}, "b": {${Array.from({ length: 999 }, (_, i) => `"k${i}":"x"`).join(',')}}, "c": [${Array.from({ length: 3_900 }, () => '1').join(',')}]}}`, expect: { status: 200, code: null } },
  { name: 'text/plain content type', raw: '{"query": "{ services { code } }"}', contentType: 'text/plain', expect: { status: 415, code: null } },
  { name: 'oversized body (2 MB)', raw: JSON.stringify({ query: `{ services { code } } #${'x'.repeat(2 * 1024 * 1024)}` }), expect: { status: 413, code: null } },
  // Bodies that are not well-formed UTF-8 text (issue 17.7): refused, never stored as U+FFFD
  { name: 'JSON declared as latin-1', raw: '{"query": "{ services { code } }"}', contentType: 'application/json; charset=iso-8859-1', expect: { status: 415, code: null, message: 'UTF-8' } },
  { name: 'JSON declared as UTF-16', raw: '{"query": "{ services { code } }"}', contentType: 'application/json; charset="utf-16"', expect: { status: 415, code: null, message: 'UTF-8' } },
  { name: 'invalid UTF-8 byte (0xff) in a variable', bytes: utf8With('{"query": "query ($v: ID!) { mandate(id: $v) { id } }", "variables": {"v": "m-', [0xff], '"}}'), caller: 'support', expect: { status: 400, code: 'BAD_USER_INPUT', message: 'not valid UTF-8' } },
  { name: 'truncated UTF-8 sequence in a mutation input', bytes: utf8With('{"query": "mutation ($r: String) { endMandate(input: {id: \\"x\\", endDate: \\"2030-01-01\\", expectedVersion: 1}, reason: $r) { mandates { id } } }", "variables": {"r": "caf', [0xc3], '"}}'), caller: 'support', expect: { status: 400, code: 'BAD_USER_INPUT', message: 'not valid UTF-8' } },
  { name: 'overlong UTF-8 encoding of "/" in the query', bytes: utf8With('{"query": "{ services { code } } #', [0xc0, 0xaf], '"}'), expect: { status: 400, code: 'BAD_USER_INPUT', message: 'not valid UTF-8' } },
  { name: 'UTF-8 encoded surrogate (CESU) in a variable name', bytes: utf8With('{"query": "{ services { code } }", "variables": {"', [0xed, 0xa0, 0x80], '": 1}}'), expect: { status: 400, code: 'BAD_USER_INPUT', message: 'not valid UTF-8' } },
  { name: 'well-formed multi-byte UTF-8 passes', bytes: utf8With('{"query": "{ services { code } } # caf\u00e9 ', [0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80], '"}'), expect: { status: 200, code: null } },
  { name: 'lone high surrogate in a variable', raw: '{"query": "query ($v: ID!) { mandate(id: $v) { id } }", "variables": {"v": "m-\\ud800"}}', caller: 'support', expect: { status: 400, code: 'BAD_USER_INPUT', message: 'lone UTF-16 surrogate' } },
  { name: 'lone low surrogate in a mutation input', raw: '{"query": "mutation ($i: GrantMandateInput!) { grantMandate(input: $i) { mandates { id } } }", "variables": {"i": {"service": "OSO_OV", "systemId": "\\udc00las", "brin": "05LM", "bevoegdGezagNummer": "41234", "startDate": "2027-01-01"}}}', caller: 'support', expect: { status: 400, code: 'BAD_USER_INPUT', message: 'lone UTF-16 surrogate' } },
  { name: 'lone surrogate in a variable name', raw: '{"query": "{ services { code } }", "variables": {"\\ud800": 1}}', expect: { status: 400, code: 'BAD_USER_INPUT', message: 'lone UTF-16 surrogate' } },
  // Malformed GraphQL
  { name: 'unclosed selection', query: '{ services { code }', expect: { status: 400, code: 'GRAPHQL_PARSE_FAILED' } },
  { name: 'empty operation', query: 'query { }', expect: { status: 400, code: 'GRAPHQL_PARSE_FAILED' } },
  { name: 'garbage', query: '\u0000\u0001 binary', expect: { status: 400, code: 'GRAPHQL_PARSE_FAILED' } },
  { name: 'unknown field', query: '{ services { code price } }', expect: VALIDATION('Cannot query field "price"') },
  { name: 'unknown argument', query: '{ services(first: 1) { code } }', expect: VALIDATION('Unknown argument "first"') },
  { name: 'missing required argument', query: '{ board { name } }', expect: VALIDATION('argument "bevoegdGezagNummer"') },
  { name: 'subscription', query: 'subscription { services { code } }', expect: VALIDATION('This API has no subscriptions') },
  // Unknown operations
  { name: 'operationName not in document', query: 'query A { services { code } }', operationName: 'B', expect: { status: 400, code: 'OPERATION_RESOLUTION_FAILURE', message: 'Unknown operation named "B"' } },
  { name: 'two operations, no operationName', query: 'query A { services { code } } query B { services { name } }', expect: { status: 400, code: 'OPERATION_RESOLUTION_FAILURE', message: 'Must provide operation name' } },
  // Variables of the wrong type
  { name: 'Date variable is a number', query: 'query ($d: Date) { supportContacts(asOf: $d) { value } }', variables: { d: 20220815 }, expect: BAD_VARIABLE('Date must be a string') },
  { name: 'Int variable is a string', query: 'query ($n: Int) { supplierMandates(first: $n, supplier: "00000003272448340204") { edges { cursor } } }', variables: { n: 'ten' }, caller: 'support', expect: BAD_VARIABLE('Int cannot represent') },
  { name: 'ID variable is an operator object', query: 'query ($v: ID!) { school(brin: $v) { name } }', variables: { v: { $gt: '' } }, expect: BAD_VARIABLE('ID cannot represent') },
  { name: 'enum list with an operator object', query: 'query ($s: [ServiceCode!]) { school(brin: "25BE") { mandates(services: $s) { id } } }', variables: { s: [{ $ne: null }] }, caller: 'support', expect: BAD_VARIABLE('ServiceCode') },
  { name: 'input object with an extra $where key', query: 'mutation ($i: GrantMandateInput!) { grantMandate(input: $i) { mandates { id } } }', variables: { i: { service: 'OSO_OV', systemId: 'voorbeeld-las', brin: '05LM', bevoegdGezagNummer: '41234', startDate: '2027-01-01', $where: '1' } }, caller: 'support', expect: BAD_VARIABLE('Field "$where" is not defined') },
  { name: 'input object with a dotted key', query: 'mutation ($i: GrantMandateInput!) { grantMandate(input: $i) { mandates { id } } }', variables: { i: { service: 'OSO_OV', systemId: 'voorbeeld-las', 'brin.x': '05LM', bevoegdGezagNummer: '41234', startDate: '2027-01-01' } }, caller: 'support', expect: BAD_VARIABLE('is not defined') },
  // Deep nesting, alias bombs, huge pages
  { name: 'deep nesting', query: deepQuery(8), expect: { status: 400, code: 'QUERY_LIMIT_EXCEEDED', message: 'depth' } },
  { name: '700 unused variables', query: `query (${Array.from({ length: 700 }, (_, i) => `$v${i}: Int`).join(' ')}) { services { code } }`, expect: { status: 400, code: 'QUERY_LIMIT_EXCEEDED', message: 'variable count 700 exceeds the limit of 50' } },
  { name: 'alias bomb', query: `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: services { code }`).join(' ')} }`, expect: { status: 400, code: 'QUERY_LIMIT_EXCEEDED', message: 'alias count' } },
  {
    name: 'fragment fan-out over pages',
    query: `fragment M on Mandate { id status startDate endDate } { ${Array.from({ length: 29 }, (_, i) => `m${i}: supplierMandates(first: 500, supplier: "00000003272448340204") { edges { node { ...M } } }`).join(' ')} }`,
    caller: 'support',
    expect: { status: 400, code: 'QUERY_LIMIT_EXCEEDED', message: 'cost' },
  },
  // Hostile shapes of issue 17: the limit check counts with remembered fragment counts, stops
  // at the first limit passed, bounds its own work, and counts meta fields and introspection.
  { name: 'fragment doubling (23 fragments, each spreading the next twice)', query: doubling(23), expect: { status: 400, code: 'QUERY_LIMIT_EXCEEDED', message: 'field count' } },
  { name: 'nesting 5,000 levels deep', query: deepQuery(5_000), expect: { status: 400, code: 'GRAPHQL_PARSE_FAILED' } },
  { name: '20,000 aliases of __typename (more than 3,000 tokens)', query: `{ services { ${Array.from({ length: 20_000 }, (_, i) => `a${i}: __typename`).join(' ')} } }`, expect: { status: 400, code: 'GRAPHQL_PARSE_FAILED', message: '3000 tokens' } },
  { name: '500 aliases of __typename', query: `{ services { ${Array.from({ length: 500 }, (_, i) => `a${i}: __typename`).join(' ')} } }`, expect: { status: 400, code: 'QUERY_LIMIT_EXCEEDED', message: 'alias count' } },
  { name: '__typename 401 times', query: `{ ${Array.from({ length: 401 }, () => '__typename').join(' ')} }`, expect: { status: 400, code: 'QUERY_LIMIT_EXCEEDED', message: 'field count' } },
  { name: '200 aliases of __schema', query: `{ ${Array.from({ length: 200 }, (_, i) => `s${i}: __schema { types { name fields { name } } }`).join(' ')} }`, expect: { status: 400, code: 'QUERY_LIMIT_EXCEEDED', message: 'cost' } },
  { name: 'introspection lists nested four deep', query: '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }', expect: VALIDATION('Maximum introspection depth exceeded') },
  { name: '40 aliases of __type', query: `{ ${Array.from({ length: 40 }, (_, i) => `t${i}: __type(name: "School") { name }`).join(' ')} }`, expect: { status: 400, code: 'QUERY_LIMIT_EXCEEDED', message: 'alias count' } },
  { name: '1,400 unused fragments', query: `{ services { code } } ${Array.from({ length: 1_400 }, (_, i) => `fragment U${i} on Service { code }`).join(' ')}`, expect: { status: 400, code: 'GRAPHQL_PARSE_FAILED', message: '3000 tokens' } },
  { name: 'an unused fragment of 401 fields', query: `fragment Wide on Service { ${Array.from({ length: 401 }, () => 'code').join(' ')} } { services { code } }`, expect: VALIDATION('Fragment "Wide" is never used') },
  { name: '400 unused fragments', query: `{ services { code } } ${Array.from({ length: 400 }, (_, i) => `fragment U${i} on Service { code }`).join(' ')}`, expect: VALIDATION('Fragment "U0" is never used') },
  { name: 'huge first', query: '{ supplierMandates(first: 100000000, supplier: "00000003272448340204") { edges { node { id } } } }', caller: 'support', expect: { status: 400, code: 'QUERY_LIMIT_EXCEEDED', message: 'cost' } },
  { name: 'first above the page maximum', query: '{ supplierMandates(first: 501, supplier: "00000003272448340204") { edges { cursor } } }', caller: 'support', expect: bad('BAD_USER_INPUT', 'from 1 to 500') },
  { name: 'negative first', query: '{ supplierMandates(first: -1, supplier: "00000003272448340204") { edges { cursor } } }', caller: 'support', expect: bad('BAD_USER_INPUT', 'from 1 to 500') },
  { name: 'first above 32 bits', query: '{ supplierMandates(first: 99999999999, supplier: "00000003272448340204") { edges { cursor } } }', caller: 'support', expect: VALIDATION('Int cannot represent') },
  // Invalid identifiers as literals
  { name: 'BRIN in lower case', query: '{ school(brin: "25be") { name } }', expect: bad('BAD_USER_INPUT', 'a BRIN is 2 digits') },
  { name: 'BRIN too long', query: '{ school(brin: "25BE00") { name } }', expect: bad('BAD_USER_INPUT', 'brin') },
  { name: 'bevoegd gezag nummer of 4 digits', query: '{ board(bevoegdGezagNummer: "4123") { name } }', expect: bad('BAD_USER_INPUT', 'is 5 digits') },
  { name: 'OIN of 19 digits', query: '{ supplier(oin: "0000000327244834020") { name } }', expect: bad('BAD_USER_INPUT', 'an OIN is 20 digits') },
  { name: 'SWV code with a space', query: '{ samenwerkingsverband(code: "PO 22-02") { name } }', expect: bad('BAD_USER_INPUT', 'samenwerkingsverband code') },
  { name: 'grant with a vestigingsnummer for a BRIN', query: 'mutation { grantMandate(input: { service: OSO_OV, systemId: "voorbeeld-las", brin: "25BE00", bevoegdGezagNummer: "41234", startDate: "2027-01-01" }) { mandates { id } } }', caller: 'support', expect: bad('BAD_USER_INPUT', 'brin') },
  { name: 'grant with an invalid board number', query: 'mutation { grantMandate(input: { service: OSO_OV, systemId: "voorbeeld-las", brin: "05LM", bevoegdGezagNummer: "ABCDE", startDate: "2027-01-01" }) { mandates { id } } }', caller: 'support', expect: bad('BAD_USER_INPUT', 'bevoegdGezagNummer') },
  // Dates
  { name: 'impossible date (29 Feb 2023)', query: '{ supportContacts(asOf: "2023-02-29") { value } }', expect: VALIDATION('no such calendar date') },
  { name: 'month 13', query: '{ supportContacts(asOf: "2022-13-01") { value } }', expect: VALIDATION('no such calendar date') },
  { name: 'Dutch date order', query: '{ supportContacts(asOf: "15-08-2022") { value } }', expect: VALIDATION('YYYY-MM-DD') },
  { name: 'far-future date', query: '{ supportContacts(asOf: "9999-12-31") { value } }', expect: VALIDATION('between 1900-01-01 and 2199-12-31') },
  { name: 'date with a time', query: '{ supportContacts(asOf: "2022-08-15T00:00:00Z") { value } }', expect: VALIDATION('YYYY-MM-DD') },
  { name: 'DateTime on 30 February', query: '{ supplierMandates(changedSince: "2024-02-30T00:00:00Z", supplier: "00000003272448340204") { edges { cursor } } }', caller: 'support', expect: VALIDATION('is not a real moment') },
  { name: 'DateTime at 24:00', query: '{ supplierMandates(changedSince: "2024-02-28T24:00:00Z", supplier: "00000003272448340204") { edges { cursor } } }', caller: 'support', expect: VALIDATION('is not a real moment') },
  { name: 'DateTime variable on 31 April', query: 'query ($t: DateTime) { organisationChanges(since: $t) { edges { cursor } } }', variables: { t: '2025-04-31T12:00:00+02:00' }, caller: 'support', expect: BAD_VARIABLE('is not a real moment') },
  { name: 'DateTime without a zone', query: '{ supplierMandates(changedSince: "2022-08-15T00:00:00", supplier: "00000003272448340204") { edges { cursor } } }', caller: 'support', expect: VALIDATION('with a zone') },
  { name: 'grant ending before it starts', query: 'mutation { grantMandate(input: { service: OSO_OV, systemId: "voorbeeld-las", brin: "05LM", bevoegdGezagNummer: "41234", startDate: "2027-01-01", endDate: "2026-12-31" }) { mandates { id } } }', caller: 'support', expect: bad('BAD_USER_INPUT', 'ends before it starts') },
  { name: 'end a mandate before its start', query: 'mutation { endMandate(input: { id: "m-00AV-OSO_OV-voorbeeld-las-2022-08-15", endDate: "2020-01-01", expectedVersion: 1 }) { mandates { id } } }', caller: 'support', expect: bad('BAD_USER_INPUT', 'ends before the mandate starts') },
  // Unknown enum values
  { name: 'unknown service code', query: '{ service(code: OSO_XX) { name } }', expect: VALIDATION('OSO_XX') },
  { name: 'enum given as a string literal', query: '{ service(code: "OSO_OV") { name } }', expect: VALIDATION('Enum "ServiceCode" cannot represent non-enum value') },
  { name: 'unknown enum in a variable', query: 'query ($c: ServiceCode!) { service(code: $c) { name } }', variables: { c: 'oso_ov' }, expect: BAD_VARIABLE('ServiceCode') },
  // Duplicate and conflicting mutations: refused, nothing written
  { name: 'grant overlapping an existing mandate of the same system', query: 'mutation { grantMandate(input: { service: OSO_OV, systemId: "voorbeeld-las", brin: "00AV", bevoegdGezagNummer: "41234", startDate: "2030-01-01" }) { mandates { id } } }', caller: 'support', expect: bad('CONFLICT', 'the dates overlap') },
  { name: 'end with a stale version', query: 'mutation { endMandate(input: { id: "m-00AV-OSO_OV-voorbeeld-las-2022-08-15", endDate: "2030-01-01", expectedVersion: 9 }) { mandates { id } } }', caller: 'support', expect: bad('CONFLICT', 'changed by someone else') },
  { name: 'switch from a system without a mandate', query: 'mutation { switchSystem(input: { brin: "05LM", service: OSO_OV, fromSystemId: "voorbeeld-las", toSystemId: "ldd-las", startDate: "2027-01-01" }) { mandates { id } } }', caller: 'support', expect: bad('NOT_FOUND', 'No mandate of system') },
  { name: 'switch to the same system', query: 'mutation { switchSystem(input: { brin: "00AV", service: OSO_OV, fromSystemId: "voorbeeld-las", toSystemId: "voorbeeld-las", startDate: "2027-01-01" }) { mandates { id } } }', caller: 'support', expect: bad('BAD_USER_INPUT', 'same system') },
  { name: 'review an unknown mandate', query: 'mutation { markMandatesReviewed(ids: ["nope"]) { mandates { id } } }', caller: 'support', expect: bad('NOT_FOUND', 'nope') },
  { name: 'review a mandate id with a NUL byte', query: 'mutation { markMandatesReviewed(ids: ["m-00AV\\u0000"]) { mandates { id } } }', caller: 'support', expect: bad('NOT_FOUND', 'do not exist') },
  { name: 'end a mandate id with a NUL byte', query: 'mutation { endMandate(input: { id: "m-00AV\\u0000", endDate: "2030-01-01", expectedVersion: 1 }) { mandates { id } } }', caller: 'support', expect: bad('NOT_FOUND', 'does not exist') },
  { name: 'grant with a NUL byte in the system id', query: 'mutation { grantMandate(input: { service: OSO_OV, systemId: "voorbeeld-las\\u0000", brin: "05LM", bevoegdGezagNummer: "41234", startDate: "2030-01-01" }) { mandates { id } } }', caller: 'support', expect: bad('NOT_FOUND', 'is not registered') },
  { name: 'review no mandates', query: 'mutation { markMandatesReviewed(ids: []) { mandates { id } } }', caller: 'support', expect: bad('BAD_USER_INPUT', 'give 1 to 200') },
  // The yearly mandate check (issue 20): refusals reveal nothing, bad years and pages are bad input
  {
    name: 'confirm another board\'s mandate and a guessed id: one answer for both',
    query: 'mutation { confirmMandates(board: "41234", ids: ["m-14AB-OSO_OV-ldd-las-2022-08-15", "m-guess-1"]) { newlyConfirmed } }',
    caller: 'board',
    expect: refusedHiding('do not exist or you may not confirm them', ['42001']),
  },
  { name: 'confirm for a malformed school year', query: 'mutation { confirmMandates(board: "41234", schoolYear: "2026/27", ids: ["m-00AV-OSO_OV-voorbeeld-las-2022-08-15"]) { newlyConfirmed } }', caller: 'board', expect: bad('BAD_USER_INPUT', 'written like 2026-2027') },
  { name: 'confirm no mandates', query: 'mutation { confirmMandates(board: "41234", ids: []) { newlyConfirmed } }', caller: 'support', expect: bad('BAD_USER_INPUT', 'give 1 to 200') },
  { name: 'confirm a mandate id with a NUL byte', query: 'mutation { confirmMandates(board: "41234", ids: ["m-00AV\\u0000"]) { newlyConfirmed } }', caller: 'support', expect: bad('NOT_FOUND', 'do not exist') },
  { name: 'confirm for a board number that is not one', query: 'mutation { confirmMandates(board: "4123", ids: ["m-00AV-OSO_OV-voorbeeld-las-2022-08-15"]) { newlyConfirmed } }', caller: 'support', expect: bad('BAD_USER_INPUT', 'board') },
  { name: 'mandate check of a school year with years apart', query: '{ board(bevoegdGezagNummer: "41234") { mandateCheck(schoolYear: "2026-2028") { due } } }', caller: 'board', expect: bad('BAD_USER_INPUT', 'the second year must follow the first') },
  { name: 'mandate check page with a forged cursor', query: '{ board(bevoegdGezagNummer: "41234") { mandateCheck { openMandates(after: "bm90LWEtY3Vyc29y") { edges { cursor } } } } }', caller: 'board', expect: bad('BAD_USER_INPUT', 'not a cursor') },
  { name: 'mandate check progress with a page of 0', query: '{ mandateCheckProgress { boards(first: 0) { edges { cursor } } } }', caller: 'analyst', expect: bad('BAD_USER_INPUT', 'from 1 to 100') },
  // Who may do what
  { name: 'grant without a token', query: 'mutation { grantMandate(input: { service: OSO_OV, systemId: "ldd-las", brin: "05LM", bevoegdGezagNummer: "41234", startDate: "2027-01-01" }) { mandates { id } } }', expect: bad('FORBIDDEN') },
  { name: 'grant by an analyst', query: 'mutation { grantMandate(input: { service: OSO_OV, systemId: "ldd-las", brin: "05LM", bevoegdGezagNummer: "41234", startDate: "2027-01-01" }) { mandates { id } } }', caller: 'analyst', expect: bad('FORBIDDEN') },
  { name: 'grant by board staff without OSR_TOEGANG', query: 'mutation { grantMandate(input: { service: OSO_OV, systemId: "ldd-las", brin: "05LM", bevoegdGezagNummer: "41234", startDate: "2027-01-01" }) { mandates { id } } }', caller: 'boardWithoutRight', expect: bad('FORBIDDEN') },
  { name: 'grant for another board', query: 'mutation { grantMandate(input: { service: OSO_OV, systemId: "ldd-las", brin: "05LM", bevoegdGezagNummer: "41234", startDate: "2027-01-01" }) { mandates { id } } }', caller: 'otherBoard', expect: bad('FORBIDDEN') },
  { name: 'another board reads a school\'s mandates', query: `{ board(bevoegdGezagNummer: "41234") { ${HEADLINE_FIELDS} } }`, caller: 'otherBoard', expect: bad('FORBIDDEN', 'not a school of your board') },
  { name: 'follow the feed as a board', query: 'mutation { followOrganisationChanges { changesRead } }', caller: 'board', expect: bad('FORBIDDEN') },
  ...cursorCases(),
  ...LEAK_CASES,
  ...PAST_CASES,
  ...hostileCases(),
];
