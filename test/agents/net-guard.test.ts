import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { ToolContext } from '../../src/agents/tool.ts';
import { createHttpFetchTool } from '../../src/agents/tools/http-fetch.ts';
import { embeddedIpv4, isBlockedAddress, parseIpv6 } from '../../src/agents/tools/net-guard.ts';
import { closeServer, listen } from '../support/http-util.ts';
import { toolContext } from './harness.ts';

function refused(list: string[]): void {
  for (const a of list) assert.equal(isBlockedAddress(a), true, `${a} must be refused`);
}
function allowed(list: string[]): void {
  for (const a of list) assert.equal(isBlockedAddress(a), false, `${a} must be allowed`);
}

describe('net guard: IPv6 forms of private space', () => {
  it('parses every textual form of IPv6 into the same groups', () => {
    const loop = [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1];
    for (const form of [
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::FFFF:7F00:0001',
      '0:0:0:0:0:ffff:127.0.0.1',
      '[::ffff:7f00:1]',
      '::ffff:7f00:1%eth0',
    ]) {
      assert.deepEqual(parseIpv6(form), loop, form);
    }
    assert.deepEqual(parseIpv6('64:ff9b::10.0.0.1'), [0x64, 0xff9b, 0, 0, 0, 0, 0x0a00, 1]);
    assert.deepEqual(parseIpv6('1:2:3:4:5:6:1.2.3.4'), [1, 2, 3, 4, 5, 6, 0x0102, 0x0304]);
    assert.deepEqual(parseIpv6('::'), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(parseIpv6('10.0.0.1'), undefined);
    assert.equal(parseIpv6('1::2::3'), undefined);
    assert.equal(embeddedIpv4(parseIpv6('2002:c0a8:101::1') ?? []), '192.168.1.1');
    assert.equal(embeddedIpv4(parseIpv6('2606:4700::1111') ?? []), undefined);
  });

  it('refuses IPv4-mapped and IPv4-translated addresses that embed a private IPv4, in every form', () => {
    refused([
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::FFFF:7F00:1',
      '::ffff:10.1.2.3',
      '::ffff:a01:203',
      '::ffff:169.254.169.254',
    ]);
    refused(['::ffff:0:127.0.0.1', '::ffff:0:7f00:1', '::ffff:0:c0a8:101', '[::ffff:0:a00:1]']);
    allowed(['::ffff:8.8.8.8', '::ffff:808:808', '::ffff:0:8.8.8.8']);
  });

  it('refuses IPv4-compatible addresses (::/96) that embed a private IPv4, and :: and ::1', () => {
    refused([
      '::127.0.0.1',
      '::7f00:1',
      '::a00:1',
      '::10.0.0.1',
      '::c0a8:101',
      '::A9FE:A9FE',
      '::100.64.0.1',
      '::',
      '::1',
      '0:0:0:0:0:0:0:1',
    ]);
    allowed(['::8.8.8.8', '::808:808']);
  });

  it('refuses NAT64 64:ff9b::/96 with a private IPv4, allows it with a public one, and refuses local-use 64:ff9b:1::/48', () => {
    refused([
      '64:ff9b::10.0.0.1',
      '64:ff9b::a00:1',
      '64:FF9B::7F00:1',
      '64:ff9b::127.0.0.1',
      '64:ff9b::169.254.169.254',
      '64:ff9b::c0a8:101',
    ]);
    refused(['64:ff9b::100.64.0.1', '64:ff9b::0.0.0.0', '64:ff9b::e000:1', '0064:ff9b:0000:0000:0000:0000:0a00:0001']);
    // DNS64 on an IPv6-only host maps every public IPv4-only site here: the translator connects to exactly that IPv4.
    allowed(['64:ff9b::8.8.8.8', '64:ff9b::808:808', '64:ff9b::1.1.1.1']);
    refused(['64:ff9b:1::a00:1', '64:ff9b:1::8.8.8.8', '64:ff9b:1:ffff::1', '64:FF9B:1:AB::10.0.0.1']);
  });

  it('refuses 6to4 (2002::/16) embedding a private IPv4, allows a public one', () => {
    refused([
      '2002:a00:1::1',
      '2002:7f00:1::',
      '2002:7F00:0001::1%2',
      '2002:c0a8:101:1::1',
      '2002:a9fe:a9fe::',
      '2002:6440:1::1',
      '2002:ac10::1',
    ]);
    allowed(['2002:808:808::1', '2002:101:101:1::1']);
  });

  it('refuses Teredo, documentation, unique local, link-local with zone, multicast; allows public IPv6', () => {
    refused([
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      '2001:db8::1',
      '3fff::1',
      'fd00::1',
      'FC00::1',
      'fe80::1%eth0',
      '[fe80::1%25eth0]',
      'ff02::1',
      'fec0::1',
      '100::1',
    ]);
    allowed(['2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '2001:4860:4860::8888']);
  });

  it('keeps the IPv4 rules and refuses what is not an IP', () => {
    refused([
      '127.0.0.1',
      '10.0.0.1',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      'localhost',
      '',
    ]);
    allowed(['8.8.8.8', '1.1.1.1']);
  });
});

describe('net guard through http_fetch', () => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('internal secret page');
  });
  let port = '';
  before(async () => {
    port = new URL(await listen(server)).port;
  });
  after(() => closeServer(server));

  const toolCtx = (): ToolContext => toolContext();

  it('refuses URLs whose IPv6 literal embeds a private IPv4 before connecting', async () => {
    const tool = createHttpFetchTool({ timeoutMs: 2000 });
    for (const host of [
      '[::ffff:127.0.0.1]',
      '[::127.0.0.1]',
      '[::7f00:1]',
      '[64:ff9b::127.0.0.1]',
      '[64:ff9b::a00:1]',
      '[64:ff9b:1::a00:1]',
      '[2002:7f00:1::1]',
      '[2002:c0a8:101::1]',
    ]) {
      const url = `http://${host}:${port}/`;
      await assert.rejects(Promise.resolve(tool.execute({ url }, toolCtx())), /private or local address/, url);
    }
  });
});
