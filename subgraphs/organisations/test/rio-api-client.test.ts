/** The RIO API client's fair use: concurrency, request rate, Retry-After, and where the key goes. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RioApiClient, RioApiError, retryAfterMs } from '../src/rio/api-client.js';

describe('RIO API client', () => {
  let server: http.Server;
  let base = '';
  let inFlight = 0;
  let maxInFlight = 0;
  const starts: number[] = [];
  const keys: (string | undefined)[] = [];
  let answers: ((res: http.ServerResponse) => void)[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      starts.push(Date.now());
      keys.push(req.headers['x-rio-key'] as string | undefined);
      const answer = answers.shift();
      setTimeout(() => {
        inFlight--;
        if (answer) return answer(res);
        res.writeHead(200, { 'content-type': 'application/hal+json' });
        res.end(JSON.stringify({ _embedded: { 'bevoegdGezagErkenningen': [{ nummer: '41234' }] }, page: { number: 0, size: 1, totalElements: 1, totalPages: 1 } }));
      }, 40);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const reset = () => {
    inFlight = 0;
    maxInFlight = 0;
    starts.length = 0;
    keys.length = 0;
    answers = [];
  };

  it('keeps at most `concurrency` requests in flight and sends the key in the configured header', async () => {
    reset();
    const client = new RioApiClient({ baseUrl: base, apiKey: 'k-123', apiKeyHeader: 'X-Rio-Key', concurrency: 2, requestsPerSecond: 1000 });
    const pages = await Promise.all(Array.from({ length: 8 }, (_, i) => client.page('bevoegd-gezag-erkenningen', i, 1)));
    expect(maxInFlight).toBe(2);
    expect(keys).toEqual(Array(8).fill('k-123'));
    // The embedded list may be named in camelCase.
    expect(pages[0]).toEqual({ resource: 'bevoegd-gezag-erkenningen', page: 0, totalPages: 1, totalElements: 1, items: [{ nummer: '41234' }] });
    expect(client.requests).toBe(8);
  });

  it('starts at most `requestsPerSecond` requests per second, evenly spaced', async () => {
    // The pacing is a schedule on the client's clock: read on a fake clock, each start is
    // exact, whatever the machine's load does to when packets arrive at a server.
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const started: number[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async () => {
      started.push(Date.now());
      return new Response(JSON.stringify({ _embedded: { bevoegdGezagErkenningen: [{ nummer: '41234' }] }, page: { number: 0, size: 1, totalElements: 1, totalPages: 1 } }), {
        status: 200,
        headers: { 'content-type': 'application/hal+json' },
      });
    }) as typeof fetch;
    try {
      const client = new RioApiClient({ baseUrl: base, apiKey: null, concurrency: 10, requestsPerSecond: 20 });
      const pages = Promise.all(Array.from({ length: 6 }, (_, i) => client.page('bevoegd-gezag-erkenningen', i, 1)));
      await vi.runAllTimersAsync();
      expect(await pages).toHaveLength(6);
    } finally {
      globalThis.fetch = realFetch;
      vi.useRealTimers();
    }
    // 20 per second: one every 50 ms, the first at once.
    expect(started.map((t) => t - started[0]!)).toEqual([0, 50, 100, 150, 200, 250]);
  });

  it('waits at least as long as Retry-After says after a 429, and fails at once on a 400', async () => {
    reset();
    answers = [
      (res) => {
        res.writeHead(429, { 'retry-after': '1' });
        res.end('{}');
      },
    ];
    const client = new RioApiClient({ baseUrl: base, apiKey: null, backoffBaseMs: 1, requestsPerSecond: 1000 });
    const page = await client.page('bevoegd-gezag-erkenningen', 0, 1);
    expect(page?.items).toHaveLength(1);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(1000);
    expect(client.retries).toBe(1);

    answers = [
      (res) => {
        res.writeHead(400);
        res.end('{}');
      },
    ];
    await expect(client.page('bevoegd-gezag-erkenningen', 0, 1)).rejects.toThrow(RioApiError);
    expect(client.retries).toBe(1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-28T12:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('Sat, 28 Nov 2026 12:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Sat, 28 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});
