/**
 * Where a webhook may point: https in production, and never (unless WEBHOOK_ALLOW_PRIVATE)
 * at a private, loopback, link-local or otherwise non-public address. Checked when the
 * endpoint is registered and again at every delivery, after resolving the name; the
 * delivery then connects to the address that was checked (no second lookup), so a name
 * that resolves elsewhere between check and connect (DNS rebinding) cannot redirect it.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96], ['100::', 64],
] as const) blocked.addSubnet(net, bits, 'ipv6');

/** An address no webhook may reach without WEBHOOK_ALLOW_PRIVATE (IPv4-mapped IPv6 judged as IPv4). */
export function isNonPublic(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export interface AddressPolicy {
  production: boolean;
  allowPrivate: boolean;
}

/** What is wrong with a URL as a webhook endpoint, before any lookup (null: nothing). */
export function urlProblem(raw: string, policy: AddressPolicy): string | null {
  if (raw.length > 2048) return 'must be at most 2048 characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL';
  if (url.protocol === 'http:' && (policy.production || !policy.allowPrivate)) return 'must be an https URL (http only for local receivers in development, WEBHOOK_ALLOW_PRIVATE=true)';
  if (url.username || url.password) return 'must not hold a user name or password';
  if (url.hash) return 'must not have a fragment';
  const host = hostOf(url);
  if (isIP(host) && isNonPublic(host) && !policy.allowPrivate) return `points at a private, loopback or link-local address (${host}), which is refused`;
  if (!isIP(host) && !policy.allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.'))) return `names a local host (${host}), which is refused`;
  return null;
}

export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export interface ResolvedTarget {
  address: string;
  family: 4 | 6;
}

/**
 * Resolves the URL's host and checks every address it has; the first one is what a delivery
 * connects to. Throws an Error saying why when it may not be reached (or does not resolve).
 */
export async function resolveTarget(raw: string, policy: AddressPolicy, resolve: typeof lookup = lookup): Promise<ResolvedTarget> {
  const problem = urlProblem(raw, policy);
  if (problem) throw new Error(`the URL ${problem}`);
  const host = hostOf(new URL(raw));
  const family = isIP(host);
  const addresses = family ? [{ address: host, family }] : await resolve(host, { all: true, verbatim: true });
  if (!addresses.length) throw new Error(`${host} does not resolve`);
  if (!policy.allowPrivate) {
    const refused = addresses.find((a) => isNonPublic(a.address));
    if (refused) throw new Error(`${host} resolves to a private, loopback or link-local address (${refused.address}), which is refused`);
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
