/**
 * From a mention to the first streamed token at a viewer (issue 20), on the whole local stack:
 * `npm start`'s Worker and database, a runner controller with the local sandbox, and the
 * loopback Messages API fake answering each turn after a fixed delay D (the provider's own
 * latency, the baseline). Each round posts an `@plue` comment through the API, watches the
 * repository's runs list for the run it starts (every 25 ms), opens the run's SSE stream at once
 * and stops at the first `llm_token` event. Printed: p50 and p99 over RUNS rounds (default 20;
 * PLUE_BENCH_QUICK=1: 5) of mention → first token at the viewer, the same beyond D, and its
 * parts: mention → run queued (comment, event, evaluation), queued → started (claim).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPONENT_CREDENTIALS } from '../common/dev-secret';
import { agentConfigFromEnv } from '../runner-controller/agent/provider';
import { startController } from '../runner-controller/controller/controller';
import { LocalBackend } from '../runner-controller/sandbox/local';
import { signUp } from '../scripts/clients/auth';
import { startFakeAnthropic } from '../scripts/clients/fake-anthropic';
import { readSse } from '../scripts/clients/run-stream-client';
import { freePort, startStack } from '../scripts/stack';
import { BENCH_WORKER_VARS } from './lib/direct';
import { run as sh } from './lib/measure';

const DELAY_MS = 100;
const KEY = 'sk-ant-bench-mentions';
const WORKFLOW = `from plue import workflow, issue_comment

@workflow(triggers=[issue_comment(contains="@plue")])
def mention(ctx):
    ctx.agent("answer", prompt=".plue/prompts/answer.prompt.md", vars={
        "request": ctx.event["comment"]["body"],
    }, max_turns=2)
`;
const PROMPT = `---
name: answer
type: agent
tools: []
inputs:
  request: string
---
Answer: {{ request }}
`;

interface RunJson {
  id: number;
  status: string;
  created_at: string;
  run_started_at: string | null;
}

const now = () => performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

export async function run(): Promise<void> {
  const rounds = Number(
    process.env.BENCH_AGENT_RUNS ?? (process.env.PLUE_BENCH_QUICK === '1' ? 5 : 20),
  );
  const work = mkdtempSync(join(tmpdir(), 'plue-bench-mention-'));
  const stack = await startStack({
    dataDir: join(work, 'plue'),
    port: await freePort(),
    extraVars: BENCH_WORKER_VARS,
  });
  const fake = await startFakeAnthropic({
    script: () => ({ blocks: [{ text: 'Hello from the bench agent.' }], delayMs: DELAY_MS }),
    apiKey: KEY,
  });
  let controller: Awaited<ReturnType<typeof startController>> | undefined;
  try {
    console.log(
      `\n## agent mentions: @plue comment → first streamed token at an SSE viewer, provider delay ${DELAY_MS} ms, ${rounds} rounds`,
    );
    const user = await signUp(stack.url);
    const token = await user.token(['repo:read', 'repo:write']);
    await user.createRepo('mention-bench');
    const full = `${user.user.login}/mention-bench`;
    const api = `${stack.url}/api/v1/repos/${full}`;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const get = async <T>(path: string): Promise<T> =>
      (await (await fetch(`${api}${path}`, { headers })).json()) as T;
    controller = await startController({
      url: stack.url,
      secret: COMPONENT_CREDENTIALS.controller.devDefault,
      backend: new LocalBackend(),
      repoOwner: user.user.login,
      maxIdleMs: 100,
      log: () => undefined,
      agent: agentConfigFromEnv({
        ...process.env,
        ANTHROPIC_API_KEY: KEY,
        PLUE_LLM_BASE_URL: fake.url,
        PLUE_LLM_MODELS: 'default=claude-bench',
      }),
    });
    const wt = join(work, 'wt');
    await sh('git', ['init', '-q', '-b', 'main', wt]);
    await sh('mkdir', ['-p', join(wt, '.plue', 'workflows'), join(wt, '.plue', 'prompts')]);
    writeFileSync(join(wt, '.plue/workflows/mention.py'), WORKFLOW);
    writeFileSync(join(wt, '.plue/prompts/answer.prompt.md'), PROMPT);
    const git = (args: string[]) =>
      sh('git', ['-C', wt, '-c', 'user.name=b', '-c', 'user.email=b@b', ...args]);
    await git(['add', '.']);
    await git(['commit', '-q', '-m', 'mention workflow']);
    await git([
      'push',
      '-q',
      `${stack.url.replace('http://', `http://x:${token}@`)}/${full}.git`,
      'main',
    ]);
    for (let i = 0; i < 600; i++) {
      const w = await get<{ total_count: number }>('/actions/workflows');
      if (w.total_count > 0) break;
      await sleep(100);
    }
    const issue = (await (
      await fetch(`${api}/issues`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ title: 'bench' }),
      })
    ).json()) as { number: number };

    const firstToken: number[] = [];
    const queued: number[] = [];
    const claimed: number[] = [];
    for (let i = -1; i < rounds; i++) {
      const seen = (await get<{ workflow_runs: RunJson[] }>('/actions/runs')).workflow_runs.length;
      const t0 = now();
      const wall0 = Date.now();
      await fetch(`${api}/issues/${issue.number}/comments`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ body: `@plue round ${i}` }),
      });
      let runId: number | undefined;
      while (runId === undefined) {
        const runs = (await get<{ workflow_runs: RunJson[] }>('/actions/runs')).workflow_runs;
        if (runs.length > seen) runId = runs[0]?.id;
        else await sleep(25);
      }
      let at = NaN;
      await readSse(`${api}/actions/runs/${runId}/stream`, {
        headers: { authorization: `Bearer ${token}` },
        timeoutMs: 60_000,
        stop: (events) => {
          if (events.some((e) => e.event === 'llm_token')) {
            at = now();
            return true;
          }
          return false;
        },
      });
      // Wait for the run to finish before the next round (one at a time, as a person would).
      let done: RunJson | undefined;
      while (!done) {
        const r = await get<RunJson>(`/actions/runs/${runId}`);
        if (r.status === 'completed') done = r;
        else await sleep(50);
      }
      if (i < 0) continue; // warm-up
      firstToken.push(at - t0);
      queued.push(Date.parse(done.created_at) - wall0);
      claimed.push(
        Date.parse(done.run_started_at ?? done.created_at) - Date.parse(done.created_at),
      );
    }
    const row = (label: string, xs: number[]) =>
      console.log(
        `${label.padEnd(48)} p50 ${pct(xs, 50).toFixed(1).padStart(8)} ms   p99 ${pct(xs, 99).toFixed(1).padStart(8)} ms`,
      );
    row('mention → first token at the viewer', firstToken);
    row(
      '  the same beyond the provider delay',
      firstToken.map((x) => x - DELAY_MS),
    );
    row('  of which mention → run queued', queued);
    row('  of which run queued → started (claimed)', claimed);
    console.log(
      `ratio: mention → first token p50 / provider delay = ${(pct(firstToken, 50) / DELAY_MS).toFixed(1)}`,
    );
  } finally {
    await controller?.stop({ abandon: true });
    await fake.close();
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
