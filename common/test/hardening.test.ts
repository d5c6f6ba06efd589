import { GraphQLError } from 'graphql';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DateTimeScalar, decodeCursor, encodeCursor, hasLoneSurrogate, maskUnexpectedErrors, signIdentity, verifyIdentity, type Identity } from '../src/index.js';

const someone: Identity = { sub: 's', name: 'S', role: 'SUPPORT', board: null, rights: [], supplier: null };

describe('DateTime refuses moments that do not exist (issue 17.7)', () => {
  it('as Date does for days, and for hours, minutes, seconds and zones out of range', () => {
    for (const value of ['2024-02-30T00:00:00Z', '2023-02-29T12:00:00Z', '2024-04-31T00:00:00+02:00', '2024-01-01T24:00:00Z', '2024-01-01T23:60:00Z', '2024-01-01T23:59:60Z', '2024-01-01T12:00:00+24:00', '2024-01-01T12:00:00+01:60']) {
      expect(() => DateTimeScalar.parseValue(value), value).toThrow('is not a real moment');
    }
    expect((DateTimeScalar.parseValue('2024-02-29T23:59:59.999+01:00') as Date).toISOString()).toBe('2024-02-29T22:59:59.999Z');
  });
});

describe('cursors (issue 17.7)', () => {
  it('refuse numbers this API never writes: huge, negative, fractions, times beyond any Date', () => {
    const shape = { t: 'time', id: 'string' } as const;
    expect(decodeCursor(encodeCursor({ t: 1_700_000_000_000, id: 'm' }), shape)).toEqual({ t: 1_700_000_000_000, id: 'm' });
    for (const t of [1e300, 9e15, -1, 0.5]) expect(() => decodeCursor(encodeCursor({ t, id: 'm' }), shape), String(t)).toThrow('not a cursor returned by this API');
    expect(() => decodeCursor(encodeCursor({ q: 2 ** 60 }), { q: 'number' })).toThrow('not a cursor');
  });
});

describe('identity headers (issue 17.7)', () => {
  it('are refused when they claim to be valid for longer than a minute, whatever exp says', () => {
    const secret = 'x'.repeat(40);
    const now = Date.now();
    expect(verifyIdentity(signIdentity(someone, secret, 60, now), secret, now).ok).toBe(true);
    expect(verifyIdentity(signIdentity(someone, secret, 3600, now), secret, now)).toEqual({ ok: false, reason: 'identity header valid for longer than 60 s' });
    // a header signed with a minute by a host whose clock is 3 s ahead is still accepted
    expect(verifyIdentity(signIdentity(someone, secret, 60, now + 3_000), secret, now).ok).toBe(true);
  });
});

describe('request bodies (issue 17.7)', () => {
  it('find lone surrogates in values and keys, at any depth, and accept paired ones', () => {
    expect(hasLoneSurrogate({ a: ['x', { b: '\ud83d\ude00' }] })).toBe(false);
    expect(hasLoneSurrogate({ a: ['x', { b: 'y\ud800' }] })).toBe(true);
    expect(hasLoneSurrogate({ '\udc00': 1 })).toBe(true);
    let deep: unknown = 'z\udfff';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(hasLoneSurrogate(deep)).toBe(true);
  });
});

describe('error masking', () => {
  it("answers Apollo's 4xx refusals without a code as BAD_REQUEST, logged at info without a stack", () => {
    const lines: { level: number; msg: string; err?: unknown }[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const mask = maskUnexpectedErrors(logger);
    const refusal = new GraphQLError('Unsupported persisted query version', { extensions: { http: { status: 400 } } });
    expect(mask({ message: refusal.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, refusal)).toEqual({ message: 'Unsupported persisted query version', extensions: { code: 'BAD_REQUEST' } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'request refused by Apollo Server' });
    expect(JSON.stringify(lines[0])).not.toContain('stack');
    // anything else unexpected is still masked and logged as an error with its stack
    const bug = new Error('boom');
    expect(mask({ message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, bug)).toMatchObject({ message: 'Internal server error' });
    expect(lines[1]).toMatchObject({ level: 50 });
    expect(JSON.stringify(lines[1])).toContain('stack');
  });
});
