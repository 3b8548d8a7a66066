/**
 * What a model step costs beyond the provider (issue 20): an agent step run by the plan executor
 * with the local sandbox against the loopback Messages API fake (scripts/clients/fake-anthropic.ts),
 * which answers every turn after a fixed delay D (the provider's own latency, the baseline):
 * - per-turn overhead: (step wall time − turns × D) / turns, for a step of TURNS turns that each
 *   call read_file in the sandbox and then submit the output; and how much of it the sandboxed
 *   tool call is (its tool_end duration);
 * - time to the first streamed token beyond D: from step_started to the first llm_token event
 *   (reading the prompt and rendering its template in the sandbox, then the first model turn).
 * p50 and p99 over RUNS runs (default 20; PLUE_BENCH_QUICK=1: 5). This measures the controller's
 * part; bench/agent-mentions.ts measures a mention on an issue to the first token at a viewer.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentConfigFromEnv, Provider } from '../runner-controller/agent/provider';
import type { ExecutorEvent } from '../runner-controller/executor/events';
import type { PlanStep } from '../runner-controller/executor/plan';
import { runPlan } from '../runner-controller/executor/run-plan';
import { LocalBackend } from '../runner-controller/sandbox/local';
import { startFakeAnthropic, type FakeReply } from '../scripts/clients/fake-anthropic';

const DELAY_MS = 100;
const TURNS = 5;
const PROMPT = `---
name: bench
type: agent
inputs:
  goal: string
output:
  done: boolean
---
{{ goal }}
`;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

const step: PlanStep = {
  id: 'bench',
  name: 'bench',
  type: 'agent',
  prompt: '.plue/prompts/bench.prompt.md',
  model: null,
  vars: { goal: 'read the file' },
  max_turns: TURNS + 2,
  env: {},
  secret_env: {},
  secrets: [],
  depends_on: [],
  timeout: 120,
  continue_on_error: false,
  network: false,
  line: 1,
};

/** One run: [per-turn overhead, tool time per turn, first token beyond D] in ms. */
async function once(backend: LocalBackend, ws: string): Promise<[number, number, number]> {
  const script: FakeReply[] = [];
  for (let i = 0; i < TURNS - 1; i++) {
    script.push({
      blocks: [{ text: 'Reading.' }, { tool: 'read_file', input: { path: 'a.txt' } }],
      delayMs: DELAY_MS,
    });
  }
  script.push({ blocks: [{ tool: 'submit_output', input: { done: true } }], delayMs: DELAY_MS });
  const fake = await startFakeAnthropic({ script, apiKey: 'bench-key' });
  const at = new Map<string, number>();
  const toolMs: number[] = [];
  try {
    const summary = await runPlan({
      plan: {
        name: 'bench',
        file: '.plue/workflows/bench.py',
        line: 1,
        triggers: [{ type: 'push' }],
        image: null,
        timeout: 300,
        env: {},
        matched: true,
        steps: [step],
        result: { status: 'success', message: null },
      },
      backend,
      workspace: ws,
      models: new Provider(
        agentConfigFromEnv({ ANTHROPIC_API_KEY: 'bench-key', PLUE_LLM_BASE_URL: fake.url }),
      ),
      onEvent: (e: ExecutorEvent) => {
        if (!at.has(e.type)) at.set(e.type, performance.now());
        if (e.type === 'tool_end' && typeof e.data.duration_ms === 'number')
          toolMs.push(e.data.duration_ms);
      },
    });
    if (summary.conclusion !== 'success') throw new Error(`bench step ended ${summary.conclusion}`);
  } finally {
    await fake.close();
  }
  const start = at.get('step_started') ?? NaN;
  const wall = (at.get('step_completed') ?? NaN) - start;
  const tools = toolMs.reduce((a, b) => a + b, 0);
  return [
    (wall - TURNS * DELAY_MS) / TURNS,
    tools / TURNS,
    (at.get('llm_token') ?? NaN) - start - DELAY_MS,
  ];
}

export async function run(): Promise<void> {
  const runs = Number(
    process.env.BENCH_AGENT_RUNS ?? (process.env.PLUE_BENCH_QUICK === '1' ? 5 : 20),
  );
  const backend = new LocalBackend();
  const ws = mkdtempSync(join(tmpdir(), 'plue-bench-agent-'));
  try {
    mkdirSync(join(ws, '.plue/prompts'), { recursive: true });
    writeFileSync(join(ws, '.plue/prompts/bench.prompt.md'), PROMPT);
    writeFileSync(join(ws, 'a.txt'), 'x'.repeat(4096));
    console.log(
      `\n## agents: ${TURNS}-turn agent step, provider delay ${DELAY_MS} ms, ${runs} runs`,
    );
    await once(backend, ws); // warm-up
    const overhead: number[] = [];
    const tool: number[] = [];
    const first: number[] = [];
    for (let i = 0; i < runs; i++) {
      const [o, t, f] = await once(backend, ws);
      overhead.push(o);
      tool.push(t);
      first.push(f);
    }
    const row = (label: string, xs: number[]) =>
      console.log(
        `${label.padEnd(44)} p50 ${pct(xs, 50).toFixed(1).padStart(7)} ms   p99 ${pct(xs, 99).toFixed(1).padStart(7)} ms`,
      );
    row('per-turn overhead beyond the provider', overhead);
    row('  of which the sandboxed tool call', tool);
    row('first streamed token beyond the provider', first);
    console.log(
      `ratio: per-turn overhead p50 / provider delay = ${(pct(overhead, 50) / DELAY_MS).toFixed(2)}`,
    );
  } finally {
    backend.close();
    rmSync(ws, { recursive: true, force: true });
  }
}
