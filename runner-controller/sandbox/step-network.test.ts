// The pure parts of a networked step's setup: the nftables ruleset (which must never carry
// anything but addresses into nft) and the parser for bwrap's --info-fd report.
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  BLOCKED_IPV4,
  hostIPv4Addresses,
  isIPv4Cidr,
  netfilterRuleset,
  readBwrapChildPid,
  SLIRP_DNS,
} from './step-network';

describe('netfilterRuleset', () => {
  it('rejects the blocked ranges and all IPv6, lets loopback and slirp DNS through', () => {
    const rules = netfilterRuleset([...BLOCKED_IPV4, '192.0.2.2']);
    expect(rules).toContain('oifname "lo" accept');
    expect(rules).toContain(`ip daddr ${SLIRP_DNS} udp dport 53 accept`);
    expect(rules).toMatch(/ip daddr \{ 0\.0\.0\.0\/8, 10\.0\.0\.0\/8, .*192\.0\.2\.2 \} reject/);
    expect(rules).toContain('meta nfproto ipv6 reject');
    // Accepts come before the reject.
    expect(rules.indexOf('dport 53 accept')).toBeLessThan(rules.indexOf('} reject'));
  });

  it('covers loopback, link-local (metadata), RFC 1918 and CGNAT', () => {
    for (const r of ['127.0.0.0/8', '169.254.0.0/16', '10.0.0.0/8', '172.16.0.0/12']) {
      expect(BLOCKED_IPV4).toContain(r);
    }
    expect(BLOCKED_IPV4).toEqual(expect.arrayContaining(['192.168.0.0/16', '100.64.0.0/10']));
  });

  it('refuses anything that is not an IPv4 address or CIDR', () => {
    for (const bad of [
      '',
      '10.0.0.0/33',
      '256.1.1.1',
      '1.2.3',
      '1.2.3.4/',
      '::1',
      'fd00::/8',
      '1.2.3.4 } accept; ip daddr { 5.6.7.8',
      '1.2.3.4\nflush ruleset',
      '01.2.3.4',
    ]) {
      expect(() => netfilterRuleset([bad]), bad).toThrow(/not an IPv4/);
    }
    expect(() => netfilterRuleset([])).toThrow(/nothing to block/);
  });

  it('isIPv4Cidr holds for every host address and never for random bytes', () => {
    for (const a of hostIPv4Addresses()) expect(isIPv4Cidr(a)).toBe(true);
    for (let i = 0; i < 500; i++) {
      const s = randomBytes(1 + (i % 20)).toString('latin1');
      if (isIPv4Cidr(s)) expect(s).toMatch(/^[\d./]+$/);
    }
  });
});

describe('readBwrapChildPid', () => {
  const feed = (...chunks: (string | null)[]): Promise<number> => {
    const s = new PassThrough();
    const p = readBwrapChildPid(s);
    for (const c of chunks) {
      if (c === null) s.end();
      else s.write(c);
    }
    return p;
  };

  it('reads the child-pid, also when split across reads', async () => {
    expect(await feed('{\n    "child-pid": 4242\n}\n')).toBe(4242);
    expect(await feed('{"child', '-pid": 17', ', "net-namespace": 4026532174}')).toBe(17);
  });

  it('answers truncated, wrong and random input with a clean error', async () => {
    await expect(feed('{"child-pid": 42', null)).rejects.toThrow(/ended before/);
    await expect(feed(null)).rejects.toThrow(/ended before/);
    await expect(feed('{"child-pid": "42"}')).rejects.toThrow(/no child-pid/);
    await expect(feed('{"child-pid": 1}')).rejects.toThrow(/no child-pid/);
    await expect(feed('{"child-pid": 1e400}')).rejects.toThrow(/no child-pid/);
    await expect(feed('x'.repeat(70 * 1024))).rejects.toThrow(/too much/);
    for (let i = 0; i < 50; i++) {
      await expect(feed(randomBytes(1 + i * 7).toString('latin1'), null)).rejects.toThrow();
    }
  });
});
