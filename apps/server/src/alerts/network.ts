import { isIP } from 'node:net';

/**
 * The network an address belongs to, for "the same place": IPv4 /24, IPv6 /64 (an IPv4-mapped IPv6
 * address counts as IPv4). Null for something that is not an address.
 */
export function networkOf(ip: string): string | null {
  let a = ip.trim();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(a);
  if (mapped !== null) a = mapped[1]!;
  const kind = isIP(a);
  if (kind === 4) return `${a.split('.').slice(0, 3).join('.')}.0/24`;
  if (kind !== 6) return null;
  const zoneless = a.split('%')[0]!.toLowerCase();
  const [head = '', tail = ''] = zoneless.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = zoneless.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  // An embedded IPv4 tail (::1.2.3.4) takes two groups; the /64 is the first four groups anyway.
  const groups = zoneless.includes('::') ? [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
