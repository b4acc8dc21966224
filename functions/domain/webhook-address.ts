/**
 * Which webhook targets accessgate may call: the URL rules checked at registration, and the address
 * rules checked again at delivery on every address the target's name resolves to (the delivery then
 * connects to that checked address, functions/adapters/webhook-transport.ts). Pure: no DNS, no sockets.
 *
 * A deployment accepts `https` targets on public addresses only. The local runtime's policy also accepts
 * plain `http` to the loopback address, so a receiver on 127.0.0.1 can be tested; the composition root
 * chooses the policy from the settings (WEBHOOK_TARGETS), never from which runtime is running.
 */

/** `public-https`: https to public addresses only. `public-https-or-loopback`: also http(s) to 127.0.0.0/8 and ::1. */
export const WEBHOOK_TARGET_POLICIES = ['public-https', 'public-https-or-loopback'] as const;
export type WebhookTargetPolicy = (typeof WEBHOOK_TARGET_POLICIES)[number];

/** Why an address is not public; undefined for a public unicast address. */
export type AddressClass =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'shared (carrier-grade NAT)'
  | 'unique-local'
  | 'multicast'
  | 'reserved'
  | 'documentation'
  | 'benchmarking'
  | 'IPv4-mapped or translated non-public'
  | 'not an IP address';

/** The four bytes of a dotted IPv4 address, or undefined. */
export function parseIPv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part))) return undefined;
  const bytes = parts.map(Number);
  return bytes.every((byte) => byte <= 255) ? bytes : undefined;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part allowed), or undefined. */
export function parseIPv6(text: string): number[] | undefined {
  let rest = text.toLowerCase();
  if (rest.includes('%')) return undefined; // zone ids name a local interface: never a webhook target
  const lastColon = rest.lastIndexOf(':');
  if (rest.slice(lastColon + 1).includes('.')) {
    const v4 = parseIPv4(rest.slice(lastColon + 1));
    if (!v4) return undefined;
    rest = `${rest.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = rest.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string) => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0]!);
  const back = halves.length === 2 ? groups(halves[1]!) : [];
  if (![...head, ...back].every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined;
  const known = head.length + back.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  const zeros = new Array<number>(8 - known).fill(0);
  return [...head, ...zeros.map(String), ...back].map((group) => parseInt(group, 16));
}

function classifyIPv4([a, b, c]: number[]): AddressClass | undefined {
  if (a === 0) return 'unspecified';
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b! >= 16 && b! <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 100 && b! >= 64 && b! <= 127) return 'shared (carrier-grade NAT)';
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return c === 0 ? 'reserved' : 'documentation';
  if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return 'documentation';
  if (a === 198 && (b === 18 || b === 19)) return 'benchmarking';
  if (a! >= 224 && a! <= 239) return 'multicast';
  if (a! >= 240) return 'reserved';
  return undefined;
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if it carries one. */
function embeddedIPv4(g: number[]): number[] | undefined {
  const v4 = (hi: number, lo: number) => [hi >> 8, hi & 255, lo >> 8, lo & 255];
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(5) && g[5] === 0xffff) return v4(g[6]!, g[7]!); // ::ffff:a.b.c.d
  if (zeroUpTo(4) && g[4] === 0xffff && g[5] === 0) return v4(g[6]!, g[7]!); // ::ffff:0:a.b.c.d (SIIT)
  if (zeroUpTo(6) && (g[6] !== 0 || g[7]! > 1)) return v4(g[6]!, g[7]!); // ::a.b.c.d (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b && (g.slice(2, 6).every((x) => x === 0) || g[2] === 1)) return v4(g[6]!, g[7]!); // NAT64
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!); // 6to4
  return undefined;
}

function classifyIPv6(g: number[]): AddressClass | undefined {
  if (g.every((x) => x === 0)) return 'unspecified';
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'loopback';
  const inner = embeddedIPv4(g);
  if (inner) return classifyIPv4(inner) ? 'IPv4-mapped or translated non-public' : undefined;
  if ((g[0]! & 0xfe00) === 0xfc00) return 'unique-local';
  if ((g[0]! & 0xffc0) === 0xfe80) return 'link-local';
  if ((g[0]! & 0xffc0) === 0xfec0) return 'reserved'; // site-local, deprecated
  if ((g[0]! & 0xff00) === 0xff00) return 'multicast';
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'documentation';
  if (g[0] === 0x0100 && g.slice(1, 4).every((x) => x === 0)) return 'reserved'; // discard-only
  if (g[0] === 0x2001 && g[1]! < 0x0200) return 'reserved'; // IETF protocol assignments (Teredo, ORCHID...)
  if (g[0]! < 0x2000 || g[0]! > 0x3fff) return 'reserved'; // outside global unicast 2000::/3
  return undefined;
}

/** Why `address` (a literal IPv4 or IPv6 address, brackets allowed) is not a public unicast address; undefined when it is. */
export function classifyAddress(address: string): AddressClass | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const v4 = parseIPv4(bare);
  if (v4) return classifyIPv4(v4);
  const v6 = bare.includes(':') ? parseIPv6(bare) : undefined;
  return v6 ? classifyIPv6(v6) : 'not an IP address';
}

export const isIpLiteral = (host: string): boolean => classifyAddress(host) !== 'not an IP address';

/** Why the policy refuses a connection to `address`; undefined when it may be called. */
export function refuseAddress(address: string, policy: WebhookTargetPolicy): string | undefined {
  const found = classifyAddress(address);
  if (found === undefined) return undefined;
  if (found === 'loopback' && policy === 'public-https-or-loopback') return undefined;
  return `${address} is not public (${found})`;
}

/**
 * Why the policy refuses `url` as a webhook target; undefined when it is acceptable before resolution.
 * A host name is checked again, after DNS resolution, at every delivery.
 */
export function refuseWebhookUrl(url: string, policy: WebhookTargetPolicy): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not an absolute URL';
  }
  if (parsed.username || parsed.password) return 'must not carry a user name or password';
  const host = parsed.hostname;
  const loopback = classifyAddress(host) === 'loopback';
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback && policy === 'public-https-or-loopback')) {
    return policy === 'public-https' ? 'must use https' : 'must use https (plain http only to 127.0.0.1 or [::1])';
  }
  if (isIpLiteral(host)) return refuseAddress(host, policy);
  if (!host.includes('.') || host.endsWith('.') || /\.(localhost|local|internal|localdomain)$/i.test(host) || host === 'localhost') {
    return `${host} is not a public host name`;
  }
  return undefined;
}
