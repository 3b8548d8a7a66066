/**
 * Model steps end to end: a pushed workflow with an agent step and an llm step, the real Worker,
 * a runner controller in this process with the local sandbox, and a loopback server speaking the
 * Messages API (scripts/clients/fake-anthropic.ts). The agent reads a file, edits it and runs
 * commands in the sandbox; its output feeds the next step; the transcript streams through the
 * run's RunStream; accounting reaches the jobs API and the run page (Chromium). The provider key
 * (in the controller's environment and configuration) is absent from the sandbox's environment,
 * its processes' environments, the workspace and every log.
 */
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { agentConfigFromEnv } from '../../runner-controller/agent/provider';
import type { Controller } from '../../runner-controller/controller/controller';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { launchChromium } from '../helpers/browser';
import {
  startFakeAnthropic,
  type FakeAnthropic,
  type FakeReply,
} from '../../scripts/clients/fake-anthropic';
import { GitSandbox } from '../helpers/git';
import { pushRepo, testController, type RunJson } from './workflows-client';

const base = inject('baseUrl');
const KEY = `sk-ant-e2e-${randomBytes(12).toString('hex')}`;

const WORKFLOW = `from plue import workflow, push

@workflow(triggers=[push()])
def agents(ctx):
    fix = ctx.agent("fix", prompt=".plue/prompts/fix.prompt.md", vars={"goal": "fix the greeting"}, max_turns=8)
    ctx.llm("announce", prompt=".plue/prompts/announce.prompt.md", vars={"summary": fix.output.summary})
`;
const FIX = `---
name: fix
type: agent
inputs:
  goal: string
output:
  summary: string
---
# Task
{{ goal }}
`;
const ANNOUNCE = `---
name: announce
inputs:
  summary: string
---
Announce: {{ summary }}
`;

// The sandbox's view: its environment, every process's environment, the workspace's files.
const PROBE = [
  'echo "--env"; env',
  'echo "--proc"; for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f"; done',
  'echo "--cmdline"; for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f"; echo; done',
  'echo "--grep"; grep -rl "sk-ant-e2e" . /tmp; echo "grep exit $?"',
].join('; ');

// The last turn of the agent waits until the test has seen the transcript arrive live.
let release: () => void = () => undefined;
const released = new Promise<void>((resolve) => {
  release = resolve;
});

const SCRIPT: FakeReply[] = [
  {
    blocks: [
      { text: 'Reading **hello.sh** first.' },
      { tool: 'read_file', input: { path: 'hello.sh' } },
    ],
  },
  {
    blocks: [
      { tool: 'edit_file', input: { path: 'hello.sh', old_string: 'helo', new_string: 'hello' } },
    ],
  },
  { blocks: [{ tool: 'shell', input: { command: `sh hello.sh; ${PROBE}` } }] },
  {
    blocks: [
      { text: 'Done: the greeting is fixed.' },
      { tool: 'submit_output', input: { summary: 'greeting fixed' } },
    ],
    after: released,
  },
  { blocks: [{ text: 'Announcing: greeting fixed' }], usage: { input: 50, output: 5 } },
];

interface Rec {
  event: string;
  step_id?: string;
  seq?: number;
  data: unknown;
}

describe('model steps in a run', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let token: string;
  let fake: FakeAnthropic;
  let controller: Controller;
  let browser: Browser | undefined;
  const saved = process.env.ANTHROPIC_API_KEY;

  beforeAll(async () => {
    alice = await signUp(base);
    token = await alice.token(['repo:read', 'repo:write']);
    fake = await startFakeAnthropic({ script: SCRIPT, apiKey: KEY });
    // The key sits in the controller's own environment too, as in production.
    process.env.ANTHROPIC_API_KEY = KEY;
    controller = await testController(base, alice, {
      agent: agentConfigFromEnv({
        ...process.env,
        PLUE_LLM_BASE_URL: fake.url,
        PLUE_LLM_MODELS: 'default=claude-e2e',
      }),
    });
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.ANTHROPIC_API_KEY;
    else process.env.ANTHROPIC_API_KEY = saved;
    await controller?.stop({ abandon: true });
    await fake?.close();
    await browser?.close();
    g.cleanup();
  });

  it('runs an agent and an llm step, streams the transcript, keeps the key out of the sandbox', async () => {
    const { repo, sha } = await pushRepo(base, g, alice, token, 'agents-e2e', {
      'hello.sh': 'echo helo world\n',
      '.plue/prompts/fix.prompt.md': FIX,
      '.plue/prompts/announce.prompt.md': ANNOUNCE,
      '.plue/workflows/agents.py': WORKFLOW,
    });
    const [queued] = await repo.waitForRuns(sha);
    const id = (queued as RunJson).id;

    // Live: the run page shows the transcript while the agent works (its last turn is held).
    browser = await launchChromium();
    const context = await browser.newContext();
    const [name, value] = alice.cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: base }]);
    const page = await context.newPage();
    const runPage = `${base}/${alice.user.login}/agents-e2e/actions/runs/${id}`;
    await page.goto(runPage);
    const fixStep = page.locator('details.step[data-step="fix"]');
    await fixStep.locator('.transcript details.tool.ok').nth(2).waitFor({ timeout: 60_000 });
    expect(await fixStep.getAttribute('data-state')).toBe('running');
    expect(await fixStep.locator('.transcript .md').first().textContent()).toBe(
      'Reading hello.sh first.',
    );
    expect(await fixStep.locator('.transcript details.tool.ok').count()).toBe(3);
    release();

    const events = await repo.stream(id);
    const run = await repo.waitForRun(id);
    expect(run.conclusion).toBe('success');

    const recs = events.map((e) => JSON.parse(e.data) as Rec);
    const fix = recs.filter((r) => r.step_id === 'fix' && r.seq !== undefined);
    expect(fix.map((r) => r.seq)).toEqual(fix.map((_, i) => i + 1));
    expect(
      fix.filter((r) => r.event === 'tool_start').map((r) => (r.data as { name: string }).name),
    ).toEqual(['read_file', 'edit_file', 'shell', 'submit_output']);
    const tokens = fix
      .filter((r) => r.event === 'llm_token')
      .map((r) => r.data as string)
      .join('');
    expect(tokens).toBe('Reading **hello.sh** first.Done: the greeting is fixed.');
    const shell = fix.find(
      (r) => r.event === 'tool_end' && (r.data as { name: string }).name === 'shell',
    )?.data as {
      output: string;
      ok: boolean;
    };
    expect(shell.output).toContain('hello world\n--env\n');
    expect(shell.output).toContain(`PLUE_RUN_ID=${id}`);
    expect(shell.output).toContain('grep exit 1');
    expect(shell.output).not.toContain(KEY);
    expect(shell.output).not.toMatch(
      /ANTHROPIC|PLUE_LLM|PLUE_INTERNAL_SECRET|PLUE_CONTROLLER_SECRET/,
    );
    // The edit happened in the run's workspace: the next command ran the fixed script.
    expect(shell.output.startsWith('exit code 0\nhello world')).toBe(true);

    // The output fed the llm step; the provider saw the rendered prompts, with the key.
    expect(JSON.stringify(fake.requests[4]?.body.messages[0])).toContain(
      'Announce: greeting fixed',
    );
    expect(JSON.stringify(fake.requests[0]?.body.messages[0])).toContain(
      '# Task\\nfix the greeting',
    );
    expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);

    const jobs = await repo.get<{
      usage?: Record<string, unknown>;
      jobs: { id: string; conclusion: string; usage?: Record<string, unknown>; output?: unknown }[];
    }>(`/actions/runs/${id}/jobs`);
    const byId = Object.fromEntries(jobs.jobs.map((j) => [j.id, j]));
    expect(byId.fix).toMatchObject({
      conclusion: 'success',
      output: { summary: 'greeting fixed' },
      usage: { model: 'claude-e2e', turns: 4, input_tokens: 400, output_tokens: 80 },
    });
    expect(jobs.usage).toMatchObject({
      model_steps: 2,
      turns: 5,
      input_tokens: 450,
      output_tokens: 85,
      cost_usd: null,
    });
    expect(byId.announce).toMatchObject({
      output: 'Announcing: greeting fixed',
      usage: { turns: 1, output_tokens: 5 },
    });

    // Nothing the run stored holds the key: the whole log and the step's plain text.
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const ndjson = await (await fetch(`${repo.api}/actions/runs/${id}/logs`, auth)).text();
    expect(ndjson).toContain('tool_end');
    expect(ndjson).not.toContain(KEY);
    const plain = await (await fetch(`${repo.api}/actions/runs/${id}/steps/fix/log`, auth)).text();
    expect(plain).toContain('▶ edit_file');
    expect(plain).toContain('Reading **hello.sh** first.');

    // Replayed: the finished run's page renders the transcript (markdown, tool calls with
    // outputs) and the accounting from the stored log.
    await page.goto(runPage);
    await page
      .locator('details.step[data-step="fix"] .transcript details.tool.ok')
      .nth(3)
      .waitFor({ state: 'attached' });
    // A finished successful step is collapsed; open it.
    await page.locator('details.step[data-step="fix"] > summary').click();
    expect(
      await page
        .locator('details.step[data-step="fix"] .transcript .md strong')
        .first()
        .textContent(),
    ).toBe('hello.sh');
    const tools = page.locator('details.step[data-step="fix"] details.tool');
    expect(await tools.locator('.tool-name').allTextContents()).toEqual([
      'read_file',
      'edit_file',
      'shell',
      'submit_output',
    ]);
    expect(
      JSON.parse(
        (await page.locator('details.step[data-step="fix"] .tx-output pre').textContent()) ?? '',
      ),
    ).toEqual({ summary: 'greeting fixed' });
    await tools.nth(0).locator('summary').click();
    expect(await tools.nth(0).locator('.tool-out').textContent()).toBe('echo helo world\n');
    expect(await page.locator('details.step[data-step="fix"] .usage').textContent()).toBe(
      '4 turns · 400 in / 80 out tokens',
    );
    expect(await page.locator('.run-usage').textContent()).toContain(
      '5 turns · 450 in / 85 out tokens',
    );
  });
});
