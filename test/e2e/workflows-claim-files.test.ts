/**
 * Evaluation from the workflow files an event claim carries (issue #21): the controller evaluates
 * them while it fetches the commit for the runs, and sees exactly what a checkout would show (a
 * prompt that exists, one that does not); a commit whose `.plue` holds anything but plain files
 * (here a symlinked workflow) is evaluated from the checkout as before, with the same result.
 */
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Controller } from '../../runner-controller/controller/controller';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { outputOf, pushRepo, testController, WorkflowRepo } from './workflows-client';

const base = inject('baseUrl');

const OK = `from plue import workflow, push

@workflow(triggers=[push()])
def ok(ctx):
    ctx.run(name="show", cmd="cat hello.txt")
`;
const PROMPTED = `from plue import workflow, push

@workflow(triggers=[push()])
def prompted(ctx):
    ctx.llm("summary", prompt=".plue/prompts/team/summary.prompt.md")
`;
const MISSING = `from plue import workflow, push

@workflow(triggers=[push()])
def missing(ctx):
    ctx.llm("summary", prompt=".plue/prompts/absent.prompt.md")
`;

describe('evaluation from the claim', () => {
  const g = new GitSandbox();
  const logs: string[] = [];
  let alice: SignUp;
  let token: string;
  let controller: Controller;

  beforeAll(async () => {
    alice = await signUp(base);
    token = await alice.token(['repo:read', 'repo:write', 'admin']);
    controller = await testController(base, alice, { log: (m) => logs.push(m) });
  });
  afterAll(async () => {
    await controller?.stop({ abandon: true });
    g.cleanup();
  });

  /** The run of workflow file `file` at `sha` once completed, and its log. */
  async function finished(repo: WorkflowRepo, sha: string, file: string, runs = 1) {
    const all = await repo.waitForRuns(sha, runs);
    const run = all.find((r) => r.path === `.plue/workflows/${file}`);
    if (!run) throw new Error(`no run of ${file}: ${all.map((r) => r.path).join(', ')}`);
    return { run: await repo.waitForRun(run.id), log: outputOf(await repo.stream(run.id)) };
  }

  it('evaluates the claimed files while the runs get the fetched checkout', async () => {
    const { repo, sha } = await pushRepo(base, g, alice, token, 'claim-files', {
      'hello.txt': 'hello from the checkout\n',
      '.plue/prompts/team/summary.prompt.md': 'Summarise.\n',
      '.plue/workflows/ok.py': OK,
      '.plue/workflows/prompted.py': PROMPTED,
      '.plue/workflows/missing.py': MISSING,
    });
    const ok = await finished(repo, sha, 'ok.py', 3);
    expect(ok.run).toMatchObject({ name: 'ok', conclusion: 'success' });
    expect(ok.log).toContain('hello from the checkout');
    // The prompt in a subdirectory exists: its workflow is a run (with its llm step), no error.
    const prompted = (await repo.runsOf(sha)).find((r) => r.name === 'prompted');
    expect(prompted?.path).toBe('.plue/workflows/prompted.py');
    const missing = await finished(repo, sha, 'missing.py', 3);
    expect(missing.run.conclusion).toBe('failure');
    expect(missing.log).toContain('prompt file .plue/prompts/absent.prompt.md does not exist');
    expect(logs.filter((l) => l.includes(`${alice.user.login}/claim-files`)).join('\n')).toContain(
      "evaluated from the claim's files",
    );
  });

  it('evaluates from the checkout when .plue holds a symlink, with the same result', async () => {
    const name = 'claim-symlink';
    await alice.createRepo(name);
    const dir = await g.makeRepo(name, 0);
    await g.commitFile(dir, 'hello.txt', 'hello from the checkout\n', 'hello');
    await g.commitFile(dir, '.plue/workflows/ok.py', OK, 'ok');
    symlinkSync('ok.py', join(dir, '.plue/workflows/alias.py'));
    await g.ok(dir, ['add', '.plue/workflows/alias.py']);
    await g.ok(dir, ['commit', '-qm', 'a symlinked workflow']);
    const sha = (await g.ok(dir, ['rev-parse', 'HEAD'])).trim();
    await g.ok(dir, ['push', remoteUrl(base, alice.user.login, name, token), 'main']);
    const repo = new WorkflowRepo(base, alice, token, name);
    const ok = await finished(repo, sha, 'ok.py');
    // The symlink is no workflow file (as on a checkout): only ok.py ran.
    expect(ok.run).toMatchObject({ name: 'ok', conclusion: 'success' });
    expect(ok.log).toContain('hello from the checkout');
    expect((await repo.runsOf(sha)).length).toBe(1);
    expect(logs.filter((l) => l.includes(`${alice.user.login}/${name}`)).join('\n')).toContain(
      'evaluated from the checkout',
    );
  });
});
