import { describe, expect, it } from 'vitest';
import { TrustedProxies } from '../src/rate-limit.js';

describe('the client address behind trusted proxies (TRUSTED_PROXIES)', () => {
  const proxies = new TrustedProxies(['10.0.0.7', '172.30.80.0/24', 'fd00::/8']);

  it('believes no X-Forwarded-For by default: the peer is the client', () => {
    const none = new TrustedProxies([]);
    expect(none.clientOf('10.0.0.7', '203.0.113.5')).toBe('10.0.0.7');
    expect(none.clientOf('::ffff:10.0.0.7', '203.0.113.5')).toBe('10.0.0.7');
  });

  it("takes the address a trusted proxy appended, not what the client wrote left of it", () => {
    expect(proxies.clientOf('10.0.0.7', '203.0.113.5')).toBe('203.0.113.5');
    // the client sent "X-Forwarded-For: 1.2.3.4" itself; nginx appended its real address
    expect(proxies.clientOf('10.0.0.7', '1.2.3.4, 203.0.113.5')).toBe('203.0.113.5');
    // two trusted proxies in a row (a range, an IPv6 range, the dual-stack form of the peer)
    expect(proxies.clientOf('::ffff:10.0.0.7', '1.2.3.4, 203.0.113.5, 172.30.80.9')).toBe('203.0.113.5');
    expect(proxies.clientOf('fd00::1', '2001:db8::5, fd00::2')).toBe('2001:db8::5');
    // header given twice: read as one list
    expect(proxies.clientOf('10.0.0.7', ['1.2.3.4', '203.0.113.6'])).toBe('203.0.113.6');
  });

  it('ignores X-Forwarded-For from anyone else, and stops at a hop that is no address', () => {
    expect(proxies.clientOf('198.51.100.1', '203.0.113.5')).toBe('198.51.100.1');
    expect(proxies.clientOf('10.0.0.7', undefined)).toBe('10.0.0.7');
    expect(proxies.clientOf('10.0.0.7', 'evil, 172.30.80.9')).toBe('172.30.80.9');
    expect(proxies.clientOf('10.0.0.7', '')).toBe('10.0.0.7');
  });

  it('refuses entries that are no address or range', () => {
    for (const bad of ['proxy', '10.0.0.0/33', '10.0.0.1/8/1', 'fd00::/129', '']) {
      expect(TrustedProxies.problem(bad), bad).toMatch(/no IP address or CIDR range/);
      expect(() => new TrustedProxies([bad]), bad).toThrow(/no IP address or CIDR range/);
    }
    for (const good of ['10.0.0.7', '10.0.0.0/8', '::1', 'fd00::/8', '[::1]']) expect(TrustedProxies.problem(good), good).toBeNull();
  });
});
