/**
 * The connection prelude: parsing the client's identification line and KEXINIT (whole, split
 * anywhere, malformed, random), reading it off a real socket and putting it back, and the
 * write wrapper that drops ssh2's copy of the identification line and corks each tick.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseClientHello, readClientHello, takeOverWrites, type ClientHello } from './transport';

function nameList(names: string[]): Buffer {
  const text = Buffer.from(names.join(','), 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(text.length);
  return Buffer.concat([len, text]);
}

/** `SSH-2.0-…\r\n` and a KEXINIT packet as a client sends them before any encryption. */
function hello(ident: string, ciphers: string[]): Buffer {
  const payload = Buffer.concat([
    Buffer.from([20]),
    Buffer.alloc(16, 7),
    nameList(['curve25519-sha256']),
    nameList(['ssh-ed25519']),
    nameList(ciphers),
    nameList(ciphers),
    ...Array.from({ length: 6 }, () => nameList([])),
    Buffer.from([0, 0, 0, 0, 0]),
  ]);
  let padding = 8 - ((payload.length + 5) % 8);
  if (padding < 4) padding += 8;
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length + padding + 1);
  head[4] = padding;
  return Buffer.concat([
    Buffer.from(`${ident}\r\n`, 'latin1'),
    head,
    payload,
    Buffer.alloc(padding),
  ]);
}

const OPENSSH = hello('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6', [
  'chacha20-poly1305@openssh.com',
  'aes128-ctr',
  'aes128-gcm@openssh.com',
]);

describe('parseClientHello', () => {
  it('reads the identification line and the ciphers of both directions', () => {
    const ciphers = ['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes128-gcm@openssh.com'];
    expect(parseClientHello(OPENSSH)).toEqual({
      ident: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6',
      ciphersToServer: ciphers,
      ciphersToClient: ciphers,
    });
  });

  it('asks for more on every proper prefix, even a bare-LF identification line', () => {
    for (let i = 0; i < OPENSSH.length; i++) {
      expect(parseClientHello(OPENSSH.subarray(0, i))).toBe('more');
    }
    const lf = hello('SSH-2.0-x', ['aes256-ctr']);
    const bare = Buffer.concat([Buffer.from('SSH-2.0-x\n'), lf.subarray(11)]);
    expect(parseClientHello(bare)).toMatchObject({
      ident: 'SSH-2.0-x',
      ciphersToClient: ['aes256-ctr'],
    });
  });

  it('refuses what is not an SSH-2 client hello', () => {
    expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toBe('invalid');
    expect(parseClientHello(Buffer.from('SSH-1.5-old\r\n'))).toBe('invalid');
    expect(parseClientHello(Buffer.alloc(300, 65))).toBe('invalid');
    const huge = Buffer.from(OPENSSH);
    huge.writeUInt32BE(1 << 30, OPENSSH.indexOf(10) + 1);
    expect(parseClientHello(huge)).toBe('invalid');
    const notKexinit = Buffer.from(OPENSSH);
    notKexinit[OPENSSH.indexOf(10) + 6] = 21;
    expect(parseClientHello(notKexinit)).toBe('invalid');
    const shortList = Buffer.from(OPENSSH);
    shortList.writeUInt32BE(60_000, OPENSSH.indexOf(10) + 6 + 17);
    expect(parseClientHello(shortList)).toBe('invalid');
  });

  it('never throws on random bytes after a valid identification line', () => {
    for (let i = 0; i < 2000; i++) {
      const junk = Buffer.from(
        Array.from({ length: Math.floor(Math.random() * 80) }, () =>
          Math.floor(Math.random() * 256),
        ),
      );
      const r = parseClientHello(Buffer.concat([Buffer.from('SSH-2.0-x\r\n'), junk]));
      expect(['more', 'invalid'].includes(r as string) || typeof r === 'object').toBe(true);
    }
  });
});

describe('readClientHello and takeOverWrites on a socket', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  /** A server socket and the client connected to it. */
  async function pair(): Promise<{ serverSide: Socket; client: Socket }> {
    const accepted = new Promise<Socket>((resolve) => {
      server = createServer(resolve).listen(0, '127.0.0.1');
    });
    await new Promise((r) => server?.once('listening', r));
    const address = server?.address();
    const client = connect(typeof address === 'object' && address ? address.port : 0, '127.0.0.1');
    return { serverSide: await accepted, client };
  }

  it('sends the identification line first, then puts the hello back unconsumed', async () => {
    const { serverSide, client } = await pair();
    const line = Buffer.from('SSH-2.0-Plue\r\n');
    const got = new Promise<ClientHello | undefined>((resolve) =>
      readClientHello(serverSide, line, 5000, resolve),
    );
    const first = await new Promise<Buffer>((resolve) => client.once('data', resolve));
    expect(first.toString()).toBe('SSH-2.0-Plue\r\n');
    // Split in three writes, as a slow network might deliver it.
    const arrived = new Promise((resolve) => serverSide.once('data', resolve));
    client.write(OPENSSH.subarray(0, 10));
    await arrived; // the first piece reached the server on its own
    client.write(OPENSSH.subarray(10, 50));
    client.write(OPENSSH.subarray(50));
    expect((await got)?.ciphersToClient).toContain('aes128-gcm@openssh.com');
    const replay = await new Promise<Buffer>((resolve) => {
      serverSide.once('data', resolve);
      serverSide.resume();
    });
    expect(replay.equals(OPENSSH)).toBe(true);

    // ssh2's own identification line is dropped; later writes of one tick arrive together.
    takeOverWrites(serverSide, line);
    expect(serverSide.write(Buffer.from(line))).toBe(true);
    serverSide.write('a');
    serverSide.write('b');
    serverSide.write('c');
    const after = await new Promise<Buffer>((resolve) => client.once('data', resolve));
    expect(after.toString()).toBe('abc');
    client.destroy();
    serverSide.destroy();
  });

  it('hands over a connection that is not SSH, or whose hello does not come in time', async () => {
    const a = await pair();
    const other = new Promise<ClientHello | undefined>((resolve) =>
      readClientHello(a.serverSide, Buffer.from('SSH-2.0-Plue\r\n'), 5000, resolve),
    );
    a.client.write('GET / HTTP/1.1\r\n\r\n');
    expect(await other).toBeUndefined();
    a.client.destroy();
    a.serverSide.destroy();
    server?.close();

    const b = await pair();
    const slow = new Promise<ClientHello | undefined>((resolve) =>
      readClientHello(b.serverSide, Buffer.from('SSH-2.0-Plue\r\n'), 100, resolve),
    );
    b.client.write('SSH-2.0-Waits_for_your_KEXINIT\r\n');
    expect(await slow).toBeUndefined();
    const replay = await new Promise<Buffer>((resolve) => {
      b.serverSide.once('data', resolve);
      b.serverSide.resume();
    });
    expect(replay.toString()).toBe('SSH-2.0-Waits_for_your_KEXINIT\r\n');
    b.client.destroy();
    b.serverSide.destroy();
  });
});
