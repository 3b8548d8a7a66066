import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFrontDoor, type FrontDoor } from './front-door';
import { freePort } from './stack';

/** An HTTP server on a free port answering every request with `name`. */
async function named(name: string): Promise<{ port: number; server: http.Server }> {
  const server = http.createServer((_req, res) => res.end(name));
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { port, server };
}
const closed = (s: http.Server | net.Server) => new Promise<void>((r) => s.close(() => r()));
const text = async (port: number, path = '/') =>
  (await fetch(`http://127.0.0.1:${port}${path}`, { headers: { connection: 'close' } })).text();

describe('front door', () => {
  let door: FrontDoor | undefined;
  afterEach(async () => {
    await door?.close();
    door = undefined;
  });

  it('relays to the found socket, searches again when it moves, falls back to wrangler', async () => {
    const a = await named('A');
    const b = await named('B');
    const w = await named('W');
    let found: number | undefined = a.port;
    const port = await freePort();
    door = await startFrontDoor({
      host: '127.0.0.1',
      port,
      wranglerPort: w.port,
      find: async () => found,
    });
    expect(await text(port)).toBe('A');
    await closed(a.server);
    found = b.port; // wrangler reloaded the Worker onto another port
    expect(await text(port)).toBe('B');
    expect(door.target()).toBe(b.port);
    await closed(b.server);
    found = undefined; // nothing found: wrangler's own port answers
    expect(await text(port)).toBe('W');
    await closed(w.server);
  });

  it('streams without buffering and keeps half-closed connections open for the answer', async () => {
    let next: (() => void) | undefined;
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      next = () => res.end('data: two\n\n');
    });
    const up = await freePort();
    await new Promise<void>((r) => server.listen(up, '127.0.0.1', () => r()));
    const port = await freePort();
    door = await startFrontDoor({
      host: '127.0.0.1',
      port,
      wranglerPort: up,
      find: async () => up,
    });
    const res = await fetch(`http://127.0.0.1:${port}/events`);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('data: one'); // before the end exists
    next?.();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read())
      rest += new TextDecoder().decode(r.value);
    expect(rest).toContain('data: two');

    // A raw client that sends its request and then its FIN still gets the whole answer.
    const echo = net.createServer({ allowHalfOpen: true }, (s) => {
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString()));
      s.on('end', () => s.end(`echo:${got}`));
    });
    const ep = await freePort();
    await new Promise<void>((r) => echo.listen(ep, '127.0.0.1', () => r()));
    await door.close();
    door = await startFrontDoor({
      host: '127.0.0.1',
      port,
      wranglerPort: ep,
      find: async () => ep,
    });
    const answer = await new Promise<string>((resolve, reject) => {
      const c = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => c.end('ping'));
      let got = '';
      c.on('data', (d: Buffer) => (got += d.toString()));
      c.on('end', () => resolve(got));
      c.on('error', reject);
    });
    expect(answer).toBe('echo:ping');
    await closed(server);
    await closed(echo);
  });
});
