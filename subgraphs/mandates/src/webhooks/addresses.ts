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
// IPv6 ranges that are not public, or that embed an IPv4 address (which may be loopback or
// private): IPv4-compatible (::/96, e.g. [::7f00:1] = [::127.0.0.1]), IPv4-mapped and
// -translated (::ffff:0:0/96, ::ffff:0:0:0/96), NAT64 (64:ff9b::/96 and the local-use
// 64:ff9b:1::/48), 6to4 (2002::/16), site-local (fec0::/10, deprecated), unique local,
// link-local, multicast, documentation, discard.
// (The mapped range ::ffff:0:0/96 is judged by the IPv4 address it holds, below: BlockList
// would match every IPv4 address against it.)
for (const [net, bits] of [
  ['::', 96], ['::ffff:0:0:0', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['2002::', 16],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8], ['2001:db8::', 32], ['100::', 64],
] as const) blocked.addSubnet(net, bits, 'ipv6');

/** The IPv4 address an IPv4-mapped IPv6 address holds, in either form (::ffff:1.2.3.4, ::ffff:102:304); null otherwise. */
function mappedIPv4(address: string): string | null {
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return dotted[1]!;
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return null;
  const high = parseInt(hex[1]!, 16);
  const low = parseInt(hex[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** The one answer for any endpoint that may not be reached: it names no address and no lookup error. */
export const NOT_PUBLIC = 'is not a public address';

/** An address no webhook may reach without WEBHOOK_ALLOW_PRIVATE (IPv4-mapped IPv6 judged as IPv4). */
export function isNonPublic(address: string): boolean {
  const mapped = mappedIPv4(address);
  if (mapped) return blocked.check(mapped, 'ipv4');
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
  if (isIP(host) && isNonPublic(host) && !policy.allowPrivate) return NOT_PUBLIC;
  if (!isIP(host) && !policy.allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.'))) return NOT_PUBLIC;
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
  // a name that does not resolve, or resolves (also) to a non-public address, gets the one
  // answer: what it resolves to, or why not, would tell a caller about the network inside
  const addresses = family ? [{ address: host, family }] : await resolve(host, { all: true, verbatim: true }).catch(() => []);
  if (!addresses.length) throw new Error(`the URL ${NOT_PUBLIC}`);
  if (!policy.allowPrivate && addresses.some((a) => isNonPublic(a.address))) throw new Error(`the URL ${NOT_PUBLIC}`);
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
