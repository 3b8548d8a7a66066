/**
 * Safe outputs end to end: an agent's changes leave the sandbox only as a landing request by the
 * agent account. A mention on an issue starts an agent (real Worker, a runner controller in this
 * process with the local sandbox, the loopback Messages API server) that reads a file, edits it,
 * runs the tests in the sandbox and calls `open_landing_request`; the Worker builds the commit on
 * a new `plue-agent/run-<id>` branch and opens the landing, leaving every other branch alone. A
 * prompt that does not declare the tool is refused by the Worker, whatever the model calls or
 * whoever presents the run's token.
 */
import { describe, expect, inject, it } from 'vitest';
import {
  agentSuite,
  captureRunTokens,
  mentionPrompt,
  mentionRepo,
  mentionWorkflow,
  repoApi,
  waitForCommentRun,
  type CommentJson,
  waitForWorkflows,
} from './agent-client';
import { remoteUrl } from '../helpers/git';
import { poll, pushRepo } from './workflows-client';

const base = inject('baseUrl');

const CALC = 'def add(a, b):\n    return a - b\n';
const TESTS = 'from calc import add\n\nassert add(2, 3) == 5, add(2, 3)\nprint("tests passed")\n';

interface LandingJson {
  number: number;
  user: { login: string } | null;
  head: { ref: string | null; sha: string | null };
  base: { ref: string };
  landing_state: string;
  title: string;
  body: string | null;
}

describe('agents proposing changes as landing requests', () => {
  const suite = agentSuite(base);
  const { g } = suite;

  it('reads, edits, runs the tests in the sandbox and opens a landing request as plue-agent', async () => {
    const repo = await mentionRepo(base, g, suite.alice, suite.token, 'agent-landing', {
      // The tests leave __pycache__/ behind; what the repository ignores is not proposed.
      '.gitignore': '__pycache__/\n',
      'calc.py': CALC,
      'test_calc.py': TESTS,
      '.plue/prompts/answer.prompt.md': mentionPrompt(
        'read_file, edit_file, shell, open_landing_request',
      ),
      '.plue/workflows/mention.py': mentionWorkflow('answer'),
    });
    suite.stack.script.push(
      { blocks: [{ tool: 'read_file', input: { path: 'calc.py' } }] },
      {
        blocks: [
          {
            tool: 'edit_file',
            input: { path: 'calc.py', old_string: 'a - b', new_string: 'a + b' },
          },
        ],
      },
      { blocks: [{ tool: 'shell', input: { command: 'python3 test_calc.py' } }] },
      {
        blocks: [
          { text: 'The tests pass; proposing the fix.' },
          {
            tool: 'open_landing_request',
            input: { title: 'Fix add', body: 'add subtracted its arguments.' },
          },
        ],
      },
      { blocks: [{ text: 'Opened a landing request.' }] },
    );
    const issue = await repoApi<{ number: number }>(repo, 'POST', '/issues', {
      title: 'add is wrong',
      body: 'add(2, 3) is -1.',
    });
    expect(issue.status).toBe(201);
    const posted = await repoApi(repo, 'POST', `/issues/${issue.json.number}/comments`, {
      body: '@plue please fix add',
    });
    expect(posted.status).toBe(201);
    const run = await waitForCommentRun(repo);
    const done = await repo.waitForRun(run.id);
    expect(done.conclusion, JSON.stringify(await repo.jobs(run.id))).toBe('success');

    // The tool results the model read: the tests passed in the sandbox after the edit, and the
    // landing was opened.
    const reqs = suite.stack.fake.requests.slice(-5);
    const shellResult = JSON.stringify(reqs[3]?.body.messages.at(-1));
    expect(shellResult).toContain('exit code 0');
    expect(shellResult).toContain('tests passed');
    const opened = JSON.stringify(reqs[4]?.body.messages.at(-1));
    expect(opened).toContain('open_landing_request: done');
    const number = Number(/\/landings\/(\d+)/.exec(opened)?.[1]);

    const landing = await repoApi<LandingJson>(repo, 'GET', `/landings/${number}`);
    expect(landing.status).toBe(200);
    expect(landing.json).toMatchObject({
      user: { login: 'plue-agent' },
      head: { ref: `plue-agent/run-${run.id}` },
      base: { ref: 'main' },
      landing_state: 'open',
      title: 'Fix add',
    });
    expect(landing.json.body).toContain(`/actions/runs/${run.id}`);
    const files = await repoApi<Array<{ filename: string; patch?: string }>>(
      repo,
      'GET',
      `/landings/${number}/files`,
    );
    expect(files.json.map((f) => f.filename)).toEqual(['calc.py']);
    expect(files.json[0]?.patch).toContain('+    return a + b');
    expect(files.json[0]?.patch).toContain('-    return a - b');
    const commits = await repoApi<
      Array<{ commit: { author: { name: string } }; parents: unknown }>
    >(repo, 'GET', `/landings/${number}/commits`);
    expect(commits.json).toHaveLength(1);
    expect(commits.json[0]?.commit.author.name).toBe('plue-agent');
    // Nothing else moved: main is where the run started.
    const main = await repo.get<{ commit: { sha: string } }>('/branches/main');
    expect(main.commit.sha).toBe(run.head_sha);
  });

  it('refuses open_landing_request on the server when the prompt does not declare it', async () => {
    const repo = await mentionRepo(base, g, suite.alice, suite.token, 'agent-landing-undeclared', {
      'calc.py': CALC,
      '.plue/prompts/answer.prompt.md': mentionPrompt('edit_file'),
      '.plue/workflows/mention.py': mentionWorkflow('answer'),
    });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    suite.stack.script.push(
      {
        blocks: [
          {
            tool: 'edit_file',
            input: { path: 'calc.py', old_string: 'a - b', new_string: 'a * b' },
          },
        ],
      },
      { blocks: [{ tool: 'open_landing_request', input: { title: 'Sneaky' } }] },
      { blocks: [{ text: 'Could not.' }], after: held },
    );
    const capture = captureRunTokens();
    try {
      const issue = await repoApi<{ number: number }>(repo, 'POST', '/issues', {
        title: 'Open a landing request',
        body: 'Agent: change calc.py and open a landing request with it.',
      });
      await repoApi(repo, 'POST', `/issues/${issue.json.number}/comments`, { body: '@plue go' });
      const run = await waitForCommentRun(repo);
      const runToken = await poll(async () => capture.tokens.get(String(run.id)), 60_000);
      // The model has asked for its last turn, which waits for `held`: the run is running and
      // its token valid until release. Its earlier call was answered "unknown tool".
      await poll(async () => (suite.stack.script.length === 0 ? true : undefined), 60_000);
      const forge = (body: unknown) =>
        capture.realFetch(`${base}/internal/runs/${run.id}/forge/open_landing_request`, {
          method: 'POST',
          headers: { authorization: `Bearer ${runToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const file = { path: 'calc.py', content_base64: Buffer.from('pwned\n').toString('base64') };
      const refused = await forge({ step_id: 'answer', title: 'stolen token', files: [file] });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('safe_output_undeclared');
      release();
      await repo.waitForRun(run.id);
      const afterRun = await forge({ step_id: 'answer', title: 'late', files: [file] });
      expect([401, 403]).toContain(afterRun.status);
      expect(JSON.stringify(suite.stack.fake.requests.at(-1)?.body.messages.at(-1))).toContain(
        'unknown tool',
      );
      const landings = await repoApi<unknown[]>(repo, 'GET', '/landings?state=all');
      expect(landings.json).toEqual([]);
      const branches = await repoApi<Array<{ name: string }>>(repo, 'GET', '/branches');
      expect(branches.json.map((b) => b.name)).toEqual(['main']);
    } finally {
      capture.restore();
      release();
    }
  });

  it('answers @plue in a landing request with a review and a comment as plue-agent', async () => {
    const { repo, dir } = await pushRepo(base, g, suite.alice, suite.token, 'agent-review', {
      'calc.py': CALC,
      '.plue/prompts/answer.prompt.md': mentionPrompt('read_file, review, comment'),
      '.plue/workflows/mention.py': mentionWorkflow('answer'),
    });
    await waitForWorkflows(repo);
    await g.ok(dir, ['checkout', '-q', '-b', 'fix']);
    await g.commitFile(dir, 'calc.py', CALC.replace('a - b', 'a + b'), 'Fix add');
    await g.ok(dir, [
      'push',
      remoteUrl(base, suite.alice.user.login, 'agent-review', suite.token),
      'fix',
    ]);
    const opened = await repoApi<{ number: number }>(repo, 'POST', '/landings', {
      head: 'fix',
      base: 'main',
      title: 'Fix add',
    });
    expect(opened.status).toBe(201);
    const n = opened.json.number;
    suite.stack.script.push(
      { blocks: [{ tool: 'read_file', input: { path: 'calc.py' } }] },
      {
        blocks: [
          { tool: 'review', input: { event: 'approve', body: 'add adds now.' } },
          { tool: 'comment', input: { body: 'Approved: the fix is right.' } },
        ],
      },
      { blocks: [{ text: 'Reviewed.' }] },
    );
    expect(
      (await repoApi(repo, 'POST', `/issues/${n}/comments`, { body: '@plue review this' })).status,
    ).toBe(201);
    const run = await waitForCommentRun(repo);
    const done = await repo.waitForRun(run.id);
    expect(done.conclusion, JSON.stringify(await repo.jobs(run.id))).toBe('success');
    const results = JSON.stringify(suite.stack.fake.requests.at(-1)?.body.messages.at(-1));
    expect(results).toContain('review: done');
    expect(results).toContain('comment: done');

    const reviews = await repoApi<
      Array<{ user: { login: string } | null; state: string; body: string }>
    >(repo, 'GET', `/landings/${n}/reviews`);
    expect(reviews.json.map((r) => [r.user?.login, r.state])).toEqual([['plue-agent', 'APPROVED']]);
    expect(reviews.json[0]?.body).toContain(`/actions/runs/${run.id}`);
    const comments = await repoApi<CommentJson[]>(repo, 'GET', `/issues/${n}/comments`);
    const reply = comments.json.find((c) => c.user?.login === 'plue-agent');
    expect(reply?.body).toContain('Approved: the fix is right.');
  });
});
