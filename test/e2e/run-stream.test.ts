import { describe, expect, inject, it, vi } from 'vitest';
import WebSocket from 'ws';
import { signUp } from '../../scripts/clients/auth';
import {
  CONTROLLER,
  OPERATOR,
  makeRun,
  outputs,
  post,
  readSse,
  type SseEvent,
} from '../../scripts/clients/run-stream-client';

const base = inject('baseUrl');

const lines = (events: SseEvent[]) => events.map((e) => e.data + '\n').join('');

describe('run streams', () => {
  it('streams live, resumes with Last-Event-ID, and matches the archive byte for byte', async () => {
    const run = await makeRun(base);
    expect((await post(base, run, [{ event: 'run_started' }])).status).toBe(200);
    await post(base, run, [{ event: 'step_started', step_id: 'build' }]);
    await post(base, run, outputs('build', 1, ['one\n', 'two\n', '\u001b[31mred\u001b[0m\n']));

    // A viewer reads the first 4 records and is cut off.
    const first = await readSse(`${run.api}/stream`, { stop: (ev) => ev.length >= 4 });
    expect(first.contentType).toMatch(/^text\/event-stream/);
    expect(first.events.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    expect(first.events.map((e) => e.event)).toEqual([
      'run_started',
      'step_started',
      'step_output',
      'step_output',
    ]);

    // Meanwhile more output and the end of the run; a live viewer (from 5) runs to the end.
    const live = readSse(`${run.api}/stream`, { headers: { 'Last-Event-ID': '4' } });
    await post(base, run, outputs('build', 4, ['four\n']));
    await post(base, run, [
      { event: 'step_completed', step_id: 'build', status: 'success', exit_code: 0 },
      { event: 'step_started', step_id: 'test' },
      ...outputs('test', 1, ['ok\n']),
      { event: 'step_completed', step_id: 'test', status: 'failure', exit_code: 2 },
      { event: 'run_completed', conclusion: 'failure' },
    ]);
    const rest = await live;
    expect(rest.ended).toBe(true);
    expect(rest.events[0]?.id).toBe(5);
    expect(rest.events.at(-1)?.event).toBe('run_completed');

    const log = await fetch(`${run.api}/logs`);
    expect(log.status).toBe(200);
    const archived = await log.text();
    expect(lines([...first.events, ...rest.events])).toBe(archived);
    // ids are 1..n with no gap, and ?after= replays exactly the tail from the archive.
    const all = archived
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number });
    expect(all.map((r) => r.id)).toEqual(all.map((_, i) => i + 1));
    const tail = await readSse(`${run.api}/stream?after=${all.length - 2}`);
    expect(tail.ended).toBe(true);
    expect(lines(tail.events)).toBe(archived.split('\n').slice(-3).join('\n'));

    // Ranged reads of the archive, per-step text, and the database mirror.
    const ranged = await fetch(`${run.api}/logs`, { headers: { Range: 'bytes=10-29' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(
      `bytes 10-29/${new TextEncoder().encode(archived).length}`,
    );
    expect(await ranged.text()).toBe(archived.slice(10, 30));
    const step = await fetch(`${run.api}/steps/build/log`);
    expect(step.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await step.text()).toBe('one\ntwo\n\u001b[31mred\u001b[0m\nfour\n');
    const r = (await (await fetch(run.api)).json()) as Record<string, unknown>;
    expect(r).toMatchObject({ status: 'completed', conclusion: 'failure', logs_archived: true });
    const jobs = (await (await fetch(`${run.api}/jobs`)).json()) as {
      jobs: Record<string, unknown>[];
    };
    expect(jobs.jobs.map((j) => [j.id, j.conclusion, j.exit_code])).toEqual([
      ['build', 'success', 0],
      ['test', 'failure', 2],
    ]);
    expect(jobs.jobs[0]?.log_bytes).toBe(26);
  });

  it('ignores retried and reordered chunks, and holds gaps until they are filled', async () => {
    const run = await makeRun(base, { steps: ['s'] });
    await post(base, run, [{ event: 'step_started', step_id: 's' }]);
    const a = await post(base, run, outputs('s', 1, ['a\n', 'b\n']));
    expect(a.body).toMatchObject({ accepted: 2, duplicates: 0, next_seq: { s: 3 } });
    const again = await post(base, run, outputs('s', 1, ['a\n', 'b\n']));
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 2 });
    const ahead = await post(base, run, outputs('s', 4, ['d\n']));
    expect(ahead.body).toMatchObject({ accepted: 0, pending: 1, next_seq: { s: 3 } });
    const fill = await post(base, run, outputs('s', 3, ['c\n']));
    expect(fill.body).toMatchObject({ accepted: 2, next_seq: { s: 5 } });
    // A duplicate lifecycle event is ignored too.
    expect((await post(base, run, [{ event: 'step_started', step_id: 's' }])).body).toMatchObject({
      duplicates: 1,
    });
    const text = await (await fetch(`${run.api}/steps/s/log`)).text();
    expect(text).toBe('a\nb\nc\nd\n');
    // Bad input is refused whole, with the reason.
    const bad = await post(base, run, [{ step_id: 's', stream: 'stdout', seq: 0, data: 'x' }]);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/seq must be an integer/);
    // Wrong or missing token.
    const wrong = await fetch(`${base}/internal/runs/${run.runId}/events`, {
      method: 'POST',
      headers: { authorization: 'Bearer plue_run_nope', 'content-type': 'application/json' },
      body: '{"chunks":[]}',
    });
    expect(wrong.status).toBe(401);
    // After completion new chunks are refused, but a retried final batch is still fine.
    const final = [{ event: 'run_completed', conclusion: 'success' }];
    expect((await post(base, run, final)).body).toMatchObject({ archived: true });
    expect((await post(base, run, final)).status).toBe(200);
    expect((await post(base, run, outputs('s', 9, ['late\n']))).status).toBe(409);
  });

  it('checks run tokens in the RunStream, which follows the rotation at claim time', async () => {
    const run = await makeRun(base, { steps: ['s'] });
    expect((await post(base, run, outputs('s', 1, ['first token\n']))).status).toBe(200);
    const claim = await fetch(`${base}/internal/controller/runs/claim`, {
      method: 'POST',
      headers: { ...CONTROLLER, 'content-type': 'application/json' },
      body: JSON.stringify({ owner: 'rotation-test', repo_owner: run.owner.user.login }),
    });
    expect(claim.status).toBe(200);
    const claimed = (await claim.json()) as { run: { id: number }; token: string };
    expect(claimed.run.id).toBe(run.runId);
    expect(claimed.token).not.toBe(run.token);
    // The old token no longer writes; the new one does, also after an eviction.
    const old = await post(base, run, outputs('s', 2, ['old token\n']));
    expect(old.status).toBe(401);
    expect(old.body).toMatchObject({ error: { code: 'run_token_invalid' } });
    const rotated = { ...run, token: claimed.token };
    expect((await post(base, rotated, outputs('s', 2, ['new token\n']))).body).toMatchObject({
      accepted: 1,
    });
    await fetch(`${base}/internal/runs/${run.runId}/restart`, {
      method: 'POST',
      headers: OPERATOR,
    });
    expect((await post(base, run, outputs('s', 3, ['old again\n']))).status).toBe(401);
    await post(base, rotated, outputs('s', 3, ['after restart\n']));
    await post(base, rotated, [{ event: 'run_completed', conclusion: 'success' }]);
    const text = await (await fetch(`${run.api}/steps/s/log`)).text();
    expect(text).toBe('first token\nnew token\nafter restart\n');
    // The database projection still follows the log.
    expect(await (await fetch(run.api)).json()).toMatchObject({
      status: 'completed',
      conclusion: 'success',
      logs_archived: true,
    });
  });

  it('loses nothing when the Durable Object restarts between chunks', async () => {
    const run = await makeRun(base, { steps: ['s'] });
    await post(base, run, outputs('s', 1, ['before\n']));
    const restart = await fetch(`${base}/internal/runs/${run.runId}/restart`, {
      method: 'POST',
      headers: OPERATOR,
    });
    expect(restart.status).toBe(204);
    // The retried chunk is still a duplicate after the restart; numbering continues.
    const r = await post(base, run, outputs('s', 1, ['before\n', 'after\n']));
    expect(r.body).toMatchObject({ accepted: 1, duplicates: 1, last_id: 2 });
    await post(base, run, [{ event: 'run_completed', conclusion: 'success' }]);
    const replay = await readSse(`${run.api}/stream`);
    expect(replay.events.map((e) => e.id)).toEqual([1, 2, 3]);
    // A fresh instance after the archive serves the same log (from R2).
    await fetch(`${base}/internal/runs/${run.runId}/restart`, {
      method: 'POST',
      headers: OPERATOR,
    });
    const again = await readSse(`${run.api}/stream?after=1`);
    expect(again.events.map((e) => e.data)).toEqual(replay.events.slice(1).map((e) => e.data));
  });

  it('resumes from the middle of a long archived log (the index points into it)', async () => {
    const run = await makeRun(base, { steps: ['s'] });
    // 2,600 records of multi-byte text: the archive index records where every 1,000th starts.
    const texts = Array.from({ length: 2598 }, (_, i) => `line ${i + 1} é✓😀\n`);
    for (let i = 0; i < texts.length; i += 500) {
      expect((await post(base, run, outputs('s', i + 1, texts.slice(i, i + 500)))).status).toBe(
        200,
      );
    }
    await post(base, run, [
      { event: 'step_completed', step_id: 's', status: 'success', exit_code: 0 },
      { event: 'run_completed', conclusion: 'success' },
    ]);
    const archived = (await (await fetch(`${run.api}/logs`)).text()).split('\n').slice(0, -1);
    expect(archived).toHaveLength(2600);
    // Restart so nothing is cached in the instance: the archive and its index are read afresh.
    await fetch(`${base}/internal/runs/${run.runId}/restart`, {
      method: 'POST',
      headers: OPERATOR,
    });
    for (const after of [0, 998, 999, 1000, 1001, 1999, 2000, 2001, 2598, 2599, 2600]) {
      const page = (await (await fetch(`${run.api}/events?after=${after}&limit=5`)).json()) as {
        records: unknown[];
        next_after: number;
        completed: boolean;
      };
      const want = archived.slice(after, after + 5);
      expect(
        page.records.map((r) => JSON.stringify(r)),
        `after=${after}`,
      ).toEqual(want);
      expect(page.next_after).toBe(Math.min(after + 5, 2600));
      expect(page.completed).toBe(after + 5 > 2600);
    }
    const sse = await readSse(`${run.api}/stream`, { headers: { 'Last-Event-ID': '1999' } });
    expect(sse.events.map((e) => e.data)).toEqual(archived.slice(1999));
  });

  it('marks truncation when a step exceeds its log limit', async () => {
    const run = await makeRun(base, { steps: ['big'] });
    // 8 MiB per step by default: 9 chunks of 1 MiB overflow it.
    const mib = 'x'.repeat(1024 * 1023) + '\n';
    for (let i = 0; i < 9; i++) await post(base, run, outputs('big', i + 1, [mib]));
    await post(base, run, [{ event: 'run_completed', conclusion: 'success' }]);
    const text = await (await fetch(`${run.api}/steps/big/log`)).text();
    expect(text).toMatch(/\[plue\] log truncated: this step's output exceeded 8388608 bytes\n$/);
    expect(text.length).toBeLessThan(8388608 + 200);
    const log = await (await fetch(`${run.api}/logs`, { headers: { Range: 'bytes=-300' } })).text();
    expect(log).toMatch(/"truncated":true/);
  });

  it('hides private runs from strangers and shows them to the owner', async () => {
    const run = await makeRun(base, { private: true });
    await post(base, run, outputs('build', 1, ['secret\n']));
    const stranger = await signUp(base);
    for (const path of ['', '/stream', '/logs', '/jobs', '/steps/build/log']) {
      const res = await fetch(`${run.api}${path}`, { headers: { cookie: stranger.cookie } });
      expect(res.status, path).toBe(404);
      await res.body?.cancel();
    }
    expect((await fetch(`${run.api}/stream`)).status).toBe(404);
    const own = await readSse(`${run.api}/stream`, {
      headers: { cookie: run.owner.cookie },
      stop: (ev) => ev.length >= 1,
    });
    expect(own.events[0]?.data).toMatch(/secret/);
    const list = await fetch(
      `${base}/api/v1/repos/${run.owner.user.login}/${run.repo}/actions/runs`,
      { headers: { cookie: run.owner.cookie } },
    );
    expect(await list.json()).toMatchObject({ total_count: 1, workflow_runs: [{ id: run.runId }] });
    const page = await fetch(
      `${base}/${run.owner.user.login}/${run.repo}/actions/runs/${run.runId}`,
    );
    expect(page.status).toBe(404);
  });

  it('serves WebSocket viewers with replay, live records and resume', async () => {
    const run = await makeRun(base, { steps: ['s'] });
    await post(base, run, outputs('s', 1, ['a\n', 'b\n']));
    const url = `${run.api.replace(/^http/, 'ws')}/stream/ws?after=1`;
    const ws = new WebSocket(url);
    const got: { id: number }[] = [];
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('message', (m) => got.push(JSON.parse(m.toString()) as { id: number }));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await post(base, run, outputs('s', 3, ['c\n']));
    await waitFor(() => got.length >= 2);
    ws.send(JSON.stringify({ after: 0 }));
    await waitFor(() => got.length >= 5);
    await post(base, run, [{ event: 'run_completed', conclusion: 'success' }]);
    expect(await closed).toBe(1000);
    expect(got.map((r) => r.id)).toEqual([2, 3, 1, 2, 3, 4]);
  });
});

function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  return vi.waitFor(
    () => {
      if (!cond()) throw new Error('timed out waiting');
    },
    { timeout: ms, interval: 20 },
  );
}
