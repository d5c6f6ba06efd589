import { describe, expect, it } from 'vitest';
import { findEach } from '../src/loaders.js';

describe('findEach (a batch as equality finds in parallel)', () => {
  it('keeps at most `concurrency` finds in flight, asks each key once, and returns the results in key order', async () => {
    let inFlight = 0;
    let most = 0;
    const asked: string[] = [];
    const keys = Array.from({ length: 40 }, (_, i) => `k${i % 30}`); // 30 distinct keys, 10 repeated
    const results = await findEach(
      keys,
      async (key) => {
        asked.push(key);
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, key.endsWith('7') ? 15 : 2)); // some slower than others
        inFlight--;
        return [`${key}:a`, `${key}:b`];
      },
      4,
    );
    expect(most).toBe(4);
    expect(asked.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `k${i}`).sort());
    expect(results).toEqual(Array.from({ length: 30 }, (_, i) => [`k${i}:a`, `k${i}:b`]).flat());
  });

  it('does not ask a text key that holds a NUL character (nothing stored holds one)', async () => {
    const asked: string[] = [];
    const results = await findEach(['25BE', '25BE\u0000', 'x\u0000y'], async (key) => {
      asked.push(key);
      return [key];
    });
    expect(asked).toEqual(['25BE']);
    expect(results).toEqual(['25BE']);
  });

  it('asks nothing for no keys', async () => {
    expect(await findEach([], async () => ['never'])).toEqual([]);
  });
});
