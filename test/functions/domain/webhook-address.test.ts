/** Which webhook targets are refused, at registration (the URL) and at delivery (each resolved address). */
import { describe, expect, it } from 'vitest';
import { classifyAddress, parseIPv6, refuseAddress, refuseWebhookUrl } from '../../../functions/domain/webhook-address';

describe('classifyAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared (carrier-grade NAT)'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['fd00::1', 'unique-local'],
    ['fc12:3456::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['::ffff:127.0.0.1', 'IPv4-mapped or translated non-public'],
    ['::ffff:7f00:1', 'IPv4-mapped or translated non-public'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped or translated non-public'],
    ['::ffff:0:10.0.0.1', 'IPv4-mapped or translated non-public'],
    ['64:ff9b::10.0.0.1', 'IPv4-mapped or translated non-public'],
    ['2002:0a00:0001::1', 'IPv4-mapped or translated non-public'],
    ['::10.0.0.1', 'IPv4-mapped or translated non-public'],
    ['example.com', 'not an IP address'],
    ['1.2.3', 'not an IP address'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8'])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeUndefined();
  });

  it('reads every IPv6 spelling to the same groups', () => {
    expect(parseIPv6('::ffff:127.0.0.1')).toEqual(parseIPv6('0:0:0:0:0:ffff:7f00:0001'));
    expect(parseIPv6('1::')).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6('1:2:3:4:5:6:7')).toBeUndefined();
    expect(parseIPv6('1::2::3')).toBeUndefined();
    expect(parseIPv6('fe80::1%eth0')).toBeUndefined();
  });
});

describe('refuseAddress', () => {
  it('lets the loopback address through only under the loopback policy, and nothing else that is not public', () => {
    expect(refuseAddress('127.0.0.1', 'public-https')).toBe('127.0.0.1 is not public (loopback)');
    expect(refuseAddress('127.0.0.1', 'public-https-or-loopback')).toBeUndefined();
    expect(refuseAddress('::1', 'public-https-or-loopback')).toBeUndefined();
    expect(refuseAddress('10.0.0.1', 'public-https-or-loopback')).toBe('10.0.0.1 is not public (private)');
    expect(refuseAddress('169.254.169.254', 'public-https-or-loopback')).toBe('169.254.169.254 is not public (link-local)');
    expect(refuseAddress('93.184.215.14', 'public-https')).toBeUndefined();
  });
});

describe('refuseWebhookUrl', () => {
  it.each([
    ['http://hooks.example.com/in', 'public-https', 'must use https'],
    ['ftp://hooks.example.com/in', 'public-https', 'must use https'],
    ['https://127.0.0.1/in', 'public-https', '127.0.0.1 is not public (loopback)'],
    ['http://127.0.0.1:9000/in', 'public-https', 'must use https'],
    ['https://10.0.0.5/in', 'public-https', '10.0.0.5 is not public (private)'],
    ['https://169.254.169.254/latest/meta-data', 'public-https', '169.254.169.254 is not public (link-local)'],
    ['https://[::1]/in', 'public-https', '[::1] is not public (loopback)'],
    ['https://[fd00::1]/in', 'public-https', '[fd00::1] is not public (unique-local)'],
    ['https://[::ffff:169.254.169.254]/in', 'public-https', '[::ffff:a9fe:a9fe] is not public (IPv4-mapped or translated non-public)'],
    ['https://2130706433/in', 'public-https', '127.0.0.1 is not public (loopback)'],
    ['https://0x7f.1/in', 'public-https', '127.0.0.1 is not public (loopback)'],
    ['https://localhost/in', 'public-https', 'localhost is not a public host name'],
    ['https://metadata.google.internal/in', 'public-https', 'metadata.google.internal is not a public host name'],
    ['https://user:pw@hooks.example.com/in', 'public-https', 'must not carry a user name or password'],
    ['not a url', 'public-https', 'not an absolute URL'],
    ['http://10.0.0.5/in', 'public-https-or-loopback', 'must use https (plain http only to 127.0.0.1 or [::1])'],
    ['http://localhost:9000/in', 'public-https-or-loopback', 'must use https (plain http only to 127.0.0.1 or [::1])'],
  ] as const)('%s under %s: %s', (url, policy, reason) => {
    expect(refuseWebhookUrl(url, policy)).toBe(reason);
  });

  it('accepts public https targets, and http to the loopback address under the loopback policy', () => {
    expect(refuseWebhookUrl('https://hooks.example.com/accessgate', 'public-https')).toBeUndefined();
    expect(refuseWebhookUrl('https://8.8.8.8/in', 'public-https')).toBeUndefined();
    expect(refuseWebhookUrl('http://127.0.0.1:39123/in', 'public-https-or-loopback')).toBeUndefined();
    expect(refuseWebhookUrl('http://[::1]:39123/in', 'public-https-or-loopback')).toBeUndefined();
  });
});
