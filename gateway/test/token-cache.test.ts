/**
 * Verified tokens are remembered until they expire (src/auth.ts): the same token again is
 * not verified again, another token is, an expired one is refused even when remembered, a
 * refused one is never remembered, and the cache is bounded.
 */
import type http from 'node:http';
import { exportSPKI, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TokenVerifier } from '../src/auth.js';

let privateKey: KeyLike;
let publicKeyPem: string;
let otherKey: KeyLike;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  publicKeyPem = await exportSPKI(pair.publicKey);
  otherKey = (await generateKeyPair('ES256')).privateKey;
});
afterEach(() => {
  vi.useRealTimers();
});

const settings = (cacheSize?: number) => ({ issuer: 'osr-test', audience: 'osr-graph', algorithms: ['ES256'], publicKeyPem, cacheSize });

async function token(sub: string, seconds = 600, key = privateKey): Promise<string> {
  return new SignJWT({ role: 'ANALYST', name: sub })
    .setProtectedHeader({ alg: 'ES256' })
    .setSubject(sub)
    .setIssuer('osr-test')
    .setAudience('osr-graph')
    .setIssuedAt()
    .setExpirationTime(`${seconds}s`)
    .sign(key);
}

const request = (t: string) => ({ headers: { authorization: `Bearer ${t}` } }) as http.IncomingMessage;

describe('verified tokens remembered', () => {
  it('the same token again is taken from the cache with the same identity; another token is verified', async () => {
    const verifier = await TokenVerifier.create(settings());
    const alice = await token('alice');
    const first = await verifier.authenticate(request(alice));
    const again = await verifier.authenticate(request(alice));
    expect(first).toMatchObject({ ok: true, identity: { sub: 'alice', role: 'ANALYST' } });
    expect(again).toEqual(first);
    expect(verifier.stats).toEqual({ verified: 1, remembered: 1 });
    expect(await verifier.authenticate(request(await token('bob')))).toMatchObject({ ok: true, identity: { sub: 'bob' } });
    expect(verifier.stats).toEqual({ verified: 2, remembered: 1 });
  });

  it('the identity handed out from the cache cannot be changed by one request for the next', async () => {
    const verifier = await TokenVerifier.create(settings());
    const t = await token('carol');
    const result = await verifier.authenticate(request(t));
    if (!result.ok) throw new Error(result.reason);
    expect(() => {
      (result.identity as { role: string }).role = 'SUPPORT';
    }).toThrow();
    expect(() => (result.identity.rights as string[]).push('OSR_TOEGANG')).toThrow();
  });

  it('a remembered token is refused once it has expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const verifier = await TokenVerifier.create(settings());
    const t = await token('dave', 60);
    expect((await verifier.authenticate(request(t))).ok).toBe(true);
    vi.setSystemTime(Date.now() + 59_000);
    expect((await verifier.authenticate(request(t))).ok).toBe(true);
    expect(verifier.stats.remembered).toBe(1);
    vi.setSystemTime(Date.now() + 2_000 + 5_000);
    expect(await verifier.authenticate(request(t))).toEqual({ ok: false, reason: 'The token has expired' });
  });

  it('a refused token is not remembered: refused every time, and verified every time', async () => {
    const verifier = await TokenVerifier.create(settings());
    const forged = await token('eve', 600, otherKey);
    for (let i = 0; i < 3; i++) expect((await verifier.authenticate(request(forged))).ok).toBe(false);
    expect(verifier.stats).toEqual({ verified: 3, remembered: 0 });
  });

  it('bounded: beyond its size the least recently used token is forgotten (and verified again when it comes back)', async () => {
    const verifier = await TokenVerifier.create(settings(2));
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((s) => token(s)));
    for (const t of [a!, b!, a!, c!]) await verifier.authenticate(request(t));
    expect(verifier.stats).toEqual({ verified: 3, remembered: 1 });
    await verifier.authenticate(request(a!)); // kept: used more recently than b
    await verifier.authenticate(request(b!)); // forgotten when c came
    expect(verifier.stats).toEqual({ verified: 4, remembered: 2 });
  });

  it('with a size of 0 nothing is remembered', async () => {
    const verifier = await TokenVerifier.create(settings(0));
    const t = await token('frank');
    for (let i = 0; i < 2; i++) expect((await verifier.authenticate(request(t))).ok).toBe(true);
    expect(verifier.stats).toEqual({ verified: 2, remembered: 0 });
  });
});
