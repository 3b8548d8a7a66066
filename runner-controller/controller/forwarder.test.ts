import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControllerApi, LeaseLostError } from './api';
import { EventForwarder } from './forwarder';

/** A loopback stand-in for POST /internal/runs/{id}/events: records batches, answers next_seq. */
let server: Server;
let base = '';
const batches: Array<Array<Record<string, unknown>>> = [];
const nextSeq: Record<string, number> = { build: 4 };
let failNext = 0;
let status = 200;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end('busy');
        return;
      }
      if (status !== 200) {
        res.writeHead(status, { 'content-type': 'application/json' }).end('{"error":{}}');
        return;
      }
      expect(req.headers.authorization).toBe('Bearer tok');
      const { chunks } = JSON.parse(body) as { chunks: Array<Record<string, unknown>> };
      batches.push(chunks);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ next_seq: nextSeq }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('EventForwarder', () => {
  it('numbers a retried attempt after the log and never forwards run_completed', async () => {
    batches.length = 0;
    failNext = 1; // the first post is retried after a 503
    const api = new ControllerApi({ baseUrl: base, secret: 's', retries: 3 });
    const f = new EventForwarder(api, 7, 'tok', true);
    await f.push({ type: 'step_started', step_id: 'build' });
    await f.push({ type: 'step_output', step_id: 'build', stream: 'stdout', seq: 1, data: 'a' });
    await f.push({ type: 'step_output', step_id: 'build', stream: 'stdout', seq: 2, data: 'b' });
    await f.push({ type: 'run_completed', conclusion: 'success' });
    await f.drain();
    const sent = batches.flat();
    expect(sent[0]).toMatchObject({ type: 'step_started', step_id: 'build' });
    expect(sent.filter((c) => c.type === 'step_output').map((c) => c.seq)).toEqual([4, 5]);
    expect(sent.some((c) => c.type === 'run_completed')).toBe(false);
  });

  it('keeps first-attempt numbers and fails for good once the token is refused', async () => {
    batches.length = 0;
    const api = new ControllerApi({ baseUrl: base, secret: 's', retries: 2 });
    const f = new EventForwarder(api, 7, 'tok', false);
    await f.push({ type: 'step_started', step_id: 'x' });
    await f.push({ type: 'step_output', step_id: 'x', stream: 'stderr', seq: 1, data: 'e' });
    await f.drain();
    expect(batches.flat().find((c) => c.type === 'step_output')?.seq).toBe(1);
    status = 401;
    await f.push({ type: 'step_output', step_id: 'x', stream: 'stderr', seq: 2, data: 'f' });
    await expect(f.drain()).rejects.toBeInstanceOf(LeaseLostError);
    await expect(
      f.push({
        type: 'step_completed',
        step_id: 'x',
        status: 'success',
        exit_code: 0,
        duration_ms: 1,
      }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    status = 200;
  });
});
