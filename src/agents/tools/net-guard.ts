import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** IPv4 space a fetch from the bot must never reach: private, loopback, link-local, CGNAT, multicast, reserved. */
const blockedV4 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blockedV4.addSubnet(net, prefix, 'ipv4');

/**
 * Native IPv6 space that is never public. The ranges that embed an IPv4 address (IPv4-mapped, IPv4-compatible,
 * IPv4-translated, NAT64 64:ff9b::/96, 6to4) are not listed: `embeddedIpv4` extracts the IPv4 and the IPv4 rules judge it.
 */
const blockedV6 = new BlockList();
for (const [net, prefix] of [
  ['100::', 64], // discard-only
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215): the operator picks the prefix length, so the embedding can't be located
  ['2001::', 32], // Teredo: tunnels to an obfuscated IPv4 through a relay
  ['2001:2::', 48], // benchmarking
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation (RFC 9637)
  ['5f00::', 16], // segment routing SIDs
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const)
  blockedV6.addSubnet(net, prefix, 'ipv6');

/**
 * Parses an IPv6 literal into its 8 groups. Accepts every textual form: compressed (`::`), upper or lower case, a
 * dotted-quad tail (`::ffff:127.0.0.1`), a zone id (`fe80::1%eth0`) and brackets. Returns undefined when it isn't IPv6.
 */
export function parseIpv6(text: string): number[] | undefined {
  const ip = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(ip) !== 6) return undefined;
  let head = ip;
  const tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (dotted) {
    const octets = (dotted[2] as string).split('.').map(Number);
    tail.push(((octets[0] ?? 0) << 8) | (octets[1] ?? 0), ((octets[2] ?? 0) << 8) | (octets[3] ?? 0));
    head = dotted[1] as string;
    // `::1.2.3.4` leaves `::`; `1:2:3:4:5:6:1.2.3.4` leaves `…6:` whose trailing colon is only the separator.
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const hex = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const gap = head.indexOf('::');
  let groups: number[];
  if (gap < 0) {
    groups = [...hex(head), ...tail];
  } else {
    const left = hex(head.slice(0, gap));
    const right = [...hex(head.slice(gap + 2)), ...tail];
    groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  }
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

const v4 = (hi: number, lo: number): string => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;

/**
 * The IPv4 address an IPv6 address stands for, when it embeds one:
 * - `::ffff:0:0/96` IPv4-mapped, `::ffff:0:0:0/96` IPv4-translated (SIIT), `::/96` IPv4-compatible (deprecated;
 *   `::` and `::1` themselves are judged as 0.0.0.0 and 0.0.0.1, both blocked);
 * - `64:ff9b::/96` the well-known NAT64 prefix (RFC 6052): the translator connects to exactly that IPv4;
 * - `2002::/16` 6to4: the IPv4 of the 6to4 site, in groups 2 and 3.
 */
export function embeddedIpv4(groups: readonly number[]): string | undefined {
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0) {
    if (g4 === 0 && (g5 === 0 || g5 === 0xffff)) return v4(g6, g7);
    if (g4 === 0xffff && g5 === 0) return v4(g6, g7);
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return v4(g6, g7);
  if (g0 === 0x2002) return v4(g1 ?? 0, g2 ?? 0);
  return undefined;
}

/**
 * True when `address` (an IP literal) is private, loopback, link-local, CGNAT, multicast or otherwise not public.
 * IPv6 addresses that embed an IPv4 are judged by that IPv4, so `::ffff:127.0.0.1`, `::7f00:1`, `64:ff9b::10.0.0.1`
 * and `2002:a00:1::1` are refused while `64:ff9b::8.8.8.8` (how an IPv6-only host with DNS64 reaches a public
 * IPv4-only site) is allowed. Anything that doesn't parse as an IP is refused.
 */
export function isBlockedAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(ip);
  if (family === 4) return blockedV4.check(ip, 'ipv4');
  if (family !== 6) return true;
  const groups = parseIpv6(ip);
  if (!groups) return true;
  const embedded = embeddedIpv4(groups);
  if (embedded !== undefined) return blockedV4.check(embedded, 'ipv4');
  const canonical = groups.map((g) => g.toString(16)).join(':');
  return blockedV6.check(canonical, 'ipv6');
}

export class BlockedAddressError extends Error {
  constructor(host: string, address: string) {
    super(`Refusing to fetch ${host}: it resolves to a private or local address (${address})`);
    this.name = 'BlockedAddressError';
  }
}

/** A `lookup` for http.request that refuses blocked addresses at connect time (no DNS-rebinding gap). */
export function guardedLookup(): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as unknown as { address: string; family: number }[];
      const bad = list.find((a) => isBlockedAddress(a.address));
      if (bad) return callback(new BlockedAddressError(hostname, bad.address), '', 0);
      if ((options as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      const first = list[0];
      if (!first) return callback(new Error(`No address for ${hostname}`), '', 0);
      callback(null, first.address, first.family);
    });
  };
}
