// Model steps through the plan executor with the real local sandbox and a loopback server that
// speaks the Messages API streaming protocol (scripts/clients/fake-anthropic.ts): tools in the
// sandbox, max_turns, malformed tool input, output validation and repair, provider retries,
// inputs checked before any call, template errors at file:line, outputs feeding later steps.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeReply } from '../../scripts/clients/fake-anthropic';
import type { ExecutorEvent } from '../executor/events';
import type { PlanStep, WorkflowPlan } from '../executor/plan';
import { runPlan } from '../executor/run-plan';
import { LocalBackend } from '../sandbox/local';
import { agentConfigFromEnv, Provider } from './provider';

const backend = new LocalBackend({ killGraceMs: 200 });
const dirs: string[] = [];
afterAll(() => {
  backend.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const KEY = 'sk-ant-test-key-0123456789';

const FIXER = `---
name: fixer
model: default
type: agent
inputs:
  goal: string
  level: low | high
output:
  summary: string
  changed: string[]
max_turns: 6
---
Goal: {{ goal }} ({{ level }}).
{% if level == "high" %}Be thorough.{% endif %}
Output schema:
{{ output_schema }}
`;

function modelStep(id: string, extra: Partial<PlanStep> = {}): PlanStep {
  return {
    id,
    name: id,
    type: 'agent',
    prompt: '.plue/prompts/fixer.prompt.md',
    model: null,
    vars: { goal: 'fix the greeting', level: 'high' },
    max_turns: 10,
    env: {},
    secret_env: {},
    secrets: [],
    depends_on: [],
    timeout: 60,
    continue_on_error: false,
    network: false,
    line: 3,
    ...extra,
  } as PlanStep;
}

function plan(steps: PlanStep[]): WorkflowPlan {
  return {
    name: 'agents',
    file: '.plue/workflows/a.py',
    line: 1,
    triggers: [{ type: 'push' }],
    image: null,
    timeout: 120,
    env: {},
    matched: true,
    steps,
    result: { status: 'success', message: null },
  };
}

async function execute(steps: PlanStep[], script: FakeReply[], files: Record<string, string> = {}) {
  const fake = await startFakeAnthropic({ script, apiKey: KEY });
  const workspace = mkdtempSync(join(tmpdir(), 'plue-agent-'));
  dirs.push(workspace);
  for (const [p, text] of Object.entries({ '.plue/prompts/fixer.prompt.md': FIXER, ...files })) {
    mkdirSync(dirname(join(workspace, p)), { recursive: true });
    writeFileSync(join(workspace, p), text);
  }
  const events: ExecutorEvent[] = [];
  try {
    const config = agentConfigFromEnv({
      ANTHROPIC_API_KEY: KEY,
      PLUE_LLM_BASE_URL: fake.url,
      PLUE_LLM_MODELS: 'default=claude-test-1',
      PLUE_LLM_PRICES: 'claude-test-1=3/15',
      PLUE_LLM_MAX_RETRIES: '3',
    });
    const summary = await runPlan({
      plan: plan(steps),
      backend,
      workspace,
      models: new Provider(config),
      repo: 'alice/app',
      env: { PLUE: 'true' },
      secrets: { TOKEN: 'hunter2-secret-value' },
      onEvent: (e) => {
        events.push(e);
      },
    });
    const completed = (id: string) =>
      events.find((e) => e.type === 'step_completed' && e.step_id === id) as Extract<
        ExecutorEvent,
        { type: 'step_completed' }
      >;
    const of = (id: string) =>
      events.filter((e) => 'step_id' in e && e.step_id === id && 'seq' in e);
    return {
      summary,
      events,
      completed,
      of,
      requests: fake.requests,
      workspace,
      pending: fake.pending,
    };
  } finally {
    await fake.close();
  }
}

const submit = (input: unknown): FakeReply => ({ blocks: [{ tool: 'submit_output', input }] });

describe('model steps', () => {
  it('an agent reads, edits and runs a command in the sandbox, then submits its output', async () => {
    const r = await execute(
      [modelStep('fix')],
      [
        {
          blocks: [
            { text: 'Let me look at the file.' },
            { tool: 'read_file', input: { path: 'hello.sh' } },
          ],
          usage: { input: 120, output: 30 },
        },
        {
          blocks: [
            {
              tool: 'edit_file',
              input: { path: 'hello.sh', old_string: 'helo', new_string: 'hello' },
            },
          ],
        },
        {
          blocks: [
            {
              tool: 'shell',
              input: {
                command: 'sh hello.sh && echo "uid=$(id -u)" && ls /proc | grep -c "^[0-9]"',
              },
            },
          ],
        },
        submit({ summary: 'fixed the typo', changed: ['hello.sh'] }),
      ],
      { 'hello.sh': 'echo helo world\n' },
    );
    expect(r.completed('fix')).toMatchObject({
      status: 'success',
      output: { summary: 'fixed the typo', changed: ['hello.sh'] },
    });
    expect(readFileSync(join(r.workspace, 'hello.sh'), 'utf8')).toBe('echo hello world\n');
    const ends = r
      .of('fix')
      .filter((e) => e.type === 'tool_end')
      .map((e) => (e as { data: Record<string, unknown> }).data);
    expect(ends.map((d) => [d.name, d.ok])).toEqual([
      ['read_file', true],
      ['edit_file', true],
      ['shell', true],
      ['submit_output', true],
    ]);
    expect(String(ends[0]?.output)).toBe('echo helo world\n');
    expect(String(ends[2]?.output)).toMatch(/^exit code 0\nhello world\n/);
    // The transcript is one sequence per step, from 1, text before the tool it announced.
    const seqs = r.of('fix').map((e) => (e as { seq: number }).seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(r.of('fix')[0]).toMatchObject({ type: 'llm_token' });
    expect(
      r
        .of('fix')
        .filter((e) => e.type === 'llm_token')
        .map((e) => (e as { data: string }).data)
        .join(''),
    ).toBe('Let me look at the file.');
    // The model saw the rendered template, the file's content and the tool results.
    const first = r.requests[0]?.body;
    expect(first?.model).toBe('claude-test-1');
    expect(JSON.stringify(first?.messages[0]?.content)).toContain(
      'Goal: fix the greeting (high).\\nBe thorough.',
    );
    expect(JSON.stringify(first?.messages[0]?.content)).toContain('\\"changed\\"');
    expect(JSON.stringify(r.requests[1]?.body.messages[2])).toContain('echo helo world');
    expect(r.requests.every((q) => q.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    const usage = r.completed('fix').usage;
    expect(usage).toMatchObject({
      model: 'claude-test-1',
      turns: 4,
      input_tokens: 420,
      output_tokens: 90,
    });
    expect(usage?.cost_usd).toBeCloseTo((420 * 3 + 90 * 15) / 1e6, 9);
  });

  it("masks the run's secrets in the model's text, tool inputs and tool results", async () => {
    const secret = 'hunter2-secret-value';
    const r = await execute(
      [modelStep('mask')],
      [
        {
          blocks: [
            { text: `the token is ${secret}, see` },
            { tool: 'shell', input: { command: `echo ${secret}` } },
          ],
        },
        submit({ summary: `used ${secret}`, changed: [] }),
      ],
    );
    const log = JSON.stringify(r.of('mask'));
    expect(log).not.toContain(secret);
    expect(
      r
        .of('mask')
        .filter((e) => e.type === 'llm_token')
        .map((e) => (e as { data: string }).data)
        .join(''),
    ).toBe('the token is ***, see');
    expect(log).toContain('echo ***');
    expect(log).toContain('exit code 0\\n***\\n');
    expect(r.completed('mask').output).toEqual({ summary: 'used ***', changed: [] });
  });

  it("ends a model step at its timeout, the provider's answer still pending", async () => {
    const r = await execute(
      [modelStep('slow', { timeout: 1 } as Partial<PlanStep>)],
      [{ blocks: [{ text: 'late' }], delayMs: 4000 }],
    );
    expect(r.completed('slow')).toMatchObject({ status: 'timed_out', note: 'step timed out' });
    expect(r.summary.conclusion).toBe('failure');
  });

  it('keeps large tool inputs and outputs out of the log, and refuses an oversized output', async () => {
    const big = 'x'.repeat(300 * 1024);
    const r = await execute(
      [modelStep('big')],
      [
        { blocks: [{ tool: 'write_file', input: { path: 'big.txt', content: big } }] },
        submit({ summary: big, changed: [] }),
      ],
    );
    expect(readFileSync(join(r.workspace, 'big.txt'), 'utf8')).toBe(big);
    const start = r.of('big').find((e) => e.type === 'tool_start') as {
      data: { input: { content: string } };
    };
    expect(start.data.input.content).toMatch(/^x{16384}\[… 290816 more characters\]$/);
    expect(r.completed('big').status).toBe('failure');
    expect(r.completed('big').note).toMatch(/^the output is \d+ bytes of JSON; at most 262144$/);
  });

  it('stops at max_turns', async () => {
    const read: FakeReply = { blocks: [{ tool: 'list', input: { path: '.' } }] };
    const r = await execute(
      [modelStep('loop', { max_turns: 3 } as Partial<PlanStep>)],
      [read, read, read, read],
    );
    expect(r.completed('loop')).toMatchObject({
      status: 'failure',
      note: 'max_turns (3) reached before the step finished',
    });
    expect(r.requests).toHaveLength(3);
    expect(r.summary.conclusion).toBe('failure');
  });

  it('answers malformed or ill-typed tool input with an error result and goes on', async () => {
    const r = await execute(
      [modelStep('bad')],
      [
        { blocks: [{ tool: 'read_file', raw: '{"path": "hello.sh"' }] },
        { blocks: [{ tool: 'edit_file', input: { path: 'hello.sh', old_string: 42 } }] },
        {
          blocks: [
            { tool: 'edit_file', input: { path: 'hello.sh', old_string: 'o', new_string: '0' } },
          ],
        },
        submit({ summary: 'gave up', changed: [] }),
      ],
      { 'hello.sh': 'echo hello world\n' },
    );
    expect(r.completed('bad')).toMatchObject({ status: 'success' });
    const results = r.requests
      .slice(1)
      .map((q) => q.body.messages.at(-1)?.content as { is_error?: boolean; content: string }[]);
    expect(results[0]?.[0]).toMatchObject({ is_error: true });
    expect(results[0]?.[0]?.content).toContain('not a JSON object');
    expect(results[1]?.[0]?.content).toContain('input.old_string: expected a string');
    expect(results[2]?.[0]?.content).toContain('occurs 3 times');
    expect(readFileSync(join(r.workspace, 'hello.sh'), 'utf8')).toBe('echo hello world\n');
  });

  it('gives an invalid output one repair turn', async () => {
    const r = await execute(
      [modelStep('fixed')],
      [submit({ summary: 3, changed: [] }), submit({ summary: 'ok', changed: ['a'] })],
    );
    expect(r.completed('fixed')).toMatchObject({
      status: 'success',
      output: { summary: 'ok', changed: ['a'] },
    });
    const repair = r.requests[1]?.body.messages.at(-1)?.content as {
      content: string;
      is_error: boolean;
    }[];
    expect(repair[0]).toMatchObject({ is_error: true });
    expect(repair[0]?.content).toContain('$.summary: expected a string');
  });

  it('fails with the validation error when the repaired output is still invalid', async () => {
    const r = await execute(
      [modelStep('broken')],
      [submit({ summary: 3, changed: [] }), submit({ summary: 'x', changed: 'a', extra: 1 })],
    );
    expect(r.completed('broken').status).toBe('failure');
    expect(r.completed('broken').note).toBe(
      'invalid output: $.changed: expected a list, got string "a"; $.extra: unexpected field',
    );
  });

  it('retries a provider 529, 429 and 500 and an overloaded error inside the stream', async () => {
    const r = await execute(
      [modelStep('retry')],
      [
        { status: 529, retryAfterMs: 10 },
        { status: 429, retryAfterMs: 10 },
        { status: 500, retryAfterMs: 10 },
        { blocks: [{ text: 'partial' }], errorMidStream: 'overloaded_error' },
        submit({ summary: 'done', changed: [] }),
      ],
    );
    expect(r.completed('retry')).toMatchObject({ status: 'success' });
    expect(r.requests).toHaveLength(5);
    expect(JSON.stringify(r.of('retry'))).toContain(
      'provider error (overloaded_error); retrying the turn',
    );
  });

  it('shows a provider error that persists', async () => {
    const r = await execute(
      [modelStep('down')],
      Array.from({ length: 4 }, () => ({ status: 529, retryAfterMs: 1 }) as FakeReply),
    );
    expect(r.requests).toHaveLength(4);
    expect(r.completed('down').status).toBe('failure');
    expect(r.completed('down').note).toMatch(
      /model provider failed \(HTTP 529 overloaded_error: Overloaded\)/,
    );
  });

  it('checks inputs before any call, and reports template errors at file:line', async () => {
    const r = await execute(
      [
        modelStep('typed', { vars: { goal: 'x', level: 'medium', extra: 1 } } as Partial<PlanStep>),
        modelStep('tmpl', {
          prompt: '.plue/prompts/broken.prompt.md',
          vars: {},
        } as Partial<PlanStep>),
      ],
      [],
      { '.plue/prompts/broken.prompt.md': '---\nname: broken\n---\nline one\n{{ missing_var }}\n' },
    );
    expect(r.requests).toHaveLength(0);
    expect(r.completed('typed').note).toContain('vars.extra is not an input of fixer');
    expect(r.completed('typed').note).toContain(
      'level: expected one of low, high, got string "medium"',
    );
    expect(r.completed('tmpl').note).toBe(
      '.plue/prompts/broken.prompt.md:5: attempted to output null or undefined value',
    );
  });

  it("runs a prompt without a type as the step's kind, and refuses a mismatch", async () => {
    const untyped = '---\nname: untyped\n---\nList the files.\n';
    const r = await execute(
      [
        modelStep('as-agent', {
          prompt: '.plue/prompts/u.prompt.md',
          vars: {},
        } as Partial<PlanStep>),
        modelStep('mismatch', { type: 'llm', vars: {} } as Partial<PlanStep>),
      ],
      [{ blocks: [{ tool: 'list', input: {} }] }, { blocks: [{ text: 'two files' }] }],
      { '.plue/prompts/u.prompt.md': untyped },
    );
    expect(r.completed('as-agent')).toMatchObject({ status: 'success', output: 'two files' });
    expect(r.requests[0]?.body.tools?.map((t) => t.name)).toEqual([
      'read_file',
      'write_file',
      'edit_file',
      'list',
      'grep',
      'shell',
    ]);
    expect(r.completed('mismatch').note).toBe(
      ".plue/prompts/fixer.prompt.md: the prompt is type agent but step mismatch is ctx.llm; use ctx.agent or change the prompt's type",
    );
  });

  it("feeds an llm step's output to a later step's vars", async () => {
    const summarise = `---\nname: summarise\ntype: llm\noutput:\n  summary: string\n  score: integer\n---\nSummarise.\n`;
    const r = await execute(
      [
        modelStep('sum', {
          type: 'llm',
          prompt: '.plue/prompts/s.prompt.md',
          vars: {},
        } as Partial<PlanStep>),
        modelStep('use', {
          depends_on: ['sum'],
          vars: { goal: { $output: { step: 'sum', path: ['summary'] } }, level: 'low' },
        } as Partial<PlanStep>),
      ],
      [submit({ summary: 'make it shine', score: 3 }), submit({ summary: 'ok', changed: [] })],
      { '.plue/prompts/s.prompt.md': summarise },
    );
    expect(r.completed('sum')).toMatchObject({
      status: 'success',
      output: { summary: 'make it shine', score: 3 },
    });
    expect(r.requests[0]?.body).toMatchObject({
      tool_choice: { type: 'tool', name: 'submit_output' },
    });
    expect(JSON.stringify(r.requests[1]?.body.messages[0])).toContain('Goal: make it shine (low).');
    expect(r.completed('use').status).toBe('success');
  });
});
