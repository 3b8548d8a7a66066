/**
 * The land loop with a required status produced by a real workflow run: `main` is protected by
 * a rule requiring the context `plue/ci`, which is the commit status the `ci` workflow of
 * `.plue/workflows/checks.py` (a `pull_request` trigger) posts on the landing's head. A writer
 * pushes a change for review with `git push HEAD:refs/for/main`; the land is refused while no
 * run exists (`expected`), and after the in-process controller ran the workflow and it failed
 * (`failure`); the writer amends the change (same change id), revision 2's run succeeds, the
 * target moves meanwhile, and the land by rebase goes through, with the change-id header intact
 * on the landed commit (`git cat-file -p` on a fresh clone).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Controller } from '../../runner-controller/controller/controller';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { forgeClient, uniq } from './forge-client';
import {
  addCollaborator,
  jjCommit,
  protectMain,
  pushForReview,
  startChange,
} from './landing-fixture';
import { pushRepo, testController, type RunJson, type WorkflowRepo } from './workflows-client';

const base = inject('baseUrl');
const { json } = forgeClient(base);
const msg = (body: Record<string, unknown>): string =>
  String((body.error as { message?: string } | undefined)?.message);

// The status context of a run is `plue/<workflow name>`: the decorated function's name here.
const WORKFLOW = `from plue import workflow, pull_request

@workflow(triggers=[pull_request(types=["opened", "synchronize"])])
def ci(ctx):
    ctx.run(name="test", cmd="grep -qx good feature.txt")
`;

describe('land gated by a real workflow run', () => {
  const g = new GitSandbox();
  let owner: SignUp;
  let writer: SignUp;
  let controller: Controller | undefined;
  beforeAll(async () => {
    [owner, writer] = await Promise.all([signUp(base), signUp(base)]);
  });
  afterAll(async () => {
    await controller?.stop({ abandon: true });
    g.cleanup();
  });

  /** The single run of `sha`, once completed (and its status posted). */
  const finished = async (repo: WorkflowRepo, sha: string): Promise<RunJson> => {
    const [run] = await repo.waitForRuns(sha);
    return repo.waitForRun((run as RunJson).id);
  };

  it('refuses the land until the required run succeeds, then lands by rebase', async () => {
    const name = uniq('lchk');
    const token = await owner.token();
    const { repo, dir } = await pushRepo(base, g, owner, token, name, {
      '.plue/workflows/checks.py': WORKFLOW,
    });
    const api = `/repos/${owner.user.login}/${name}`;
    await addCollaborator(base, owner, api, writer, 'write');
    await protectMain(base, owner, api, { contexts: ['plue/ci'] });
    const ownerRemote = remoteUrl(base, owner.user.login, name, token);
    const writerRemote = remoteUrl(base, owner.user.login, name, await writer.token());

    const { change, head: head1 } = await startChange(g, dir, 'work', {
      file: 'feature.txt',
      content: 'bad\n',
      message: 'Add feature',
    });
    const { n } = await pushForReview(g, dir, writerRemote);
    const L = `${api}/landings/${n}`;

    // No controller yet, so no run and no status: refused, the context expected.
    const before = await json(writer, 'PUT', `${L}/merge`, { merge_method: 'rebase' }, 403);
    expect(msg(before)).toBe('protected branch: required status check plue/ci is expected');
    const check = await json(writer, 'GET', `${L}/mergeability`);
    expect(check).toMatchObject({ mergeable: true, may_land: false, head: head1 });
    expect(check.protection).toMatchObject({ required: [{ context: 'plue/ci' }] });

    // The run of revision 1 fails (feature.txt is not "good"): still refused.
    controller = await testController(base, owner);
    const run1 = await finished(repo, head1);
    expect(run1).toMatchObject({ event: 'pull_request', name: 'ci', conclusion: 'failure' });
    const failed = await json(writer, 'PUT', `${L}/merge`, { merge_method: 'rebase' }, 403);
    expect(msg(failed)).toBe('protected branch: required status check plue/ci is failure');
    const afterFailure = await json(writer, 'GET', `${L}/mergeability`);
    expect(afterFailure.protection).toMatchObject({
      required: [{ context: 'plue/ci', state: 'failure' }],
    });

    // The writer amends the change: revision 2, whose run succeeds.
    const head2 = await jjCommit(g, dir, {
      file: 'feature.txt',
      content: 'good\n',
      message: 'Add feature',
      changeId: change,
      parent: 'HEAD^',
    });
    const { stderr: push2 } = await pushForReview(g, dir, writerRemote);
    expect(push2).toContain(`Landing !${n} revision 2`);
    const run2 = await finished(repo, head2);
    expect(run2).toMatchObject({ name: 'ci', conclusion: 'success' });
    const status = await json(writer, 'GET', `${api}/commits/${head2}/status`);
    expect(status.statuses).toEqual(
      expect.arrayContaining([expect.objectContaining({ context: 'plue/ci', state: 'success' })]),
    );

    // The target moves (the owner, an administrator, bypasses the rule), then the land.
    await g.ok(dir, ['checkout', '-q', 'main']);
    await jjCommit(g, dir, { file: 'other.txt', content: 'x\n', message: 'Other' });
    const bypass = await g.git(dir, ['push', ownerRemote, 'main']);
    expect(bypass.code, bypass.stderr).toBe(0);
    const tip = (await g.ok(dir, ['rev-parse', 'main'])).trim();
    const ready = await json(writer, 'GET', `${L}/mergeability`);
    expect(ready).toMatchObject({ mergeable: true, may_land: true, head: head2 });
    const landed = await json(writer, 'PUT', `${L}/merge`, { merge_method: 'rebase', sha: head2 });
    expect(landed).toMatchObject({ merged: true, method: 'rebase', fast_forward: false });

    const clone = join(g.root, uniq('clone'));
    await g.ok(g.root, ['clone', '-q', ownerRemote, clone]);
    const raw = await g.ok(clone, ['cat-file', '-p', 'origin/main']);
    expect(raw).toContain(`parent ${tip}\n`);
    expect(raw).toContain(`change-id ${change}\n`);
    expect(await g.ok(clone, ['show', 'origin/main:feature.txt'])).toBe('good\n');
    expect(String(landed.sha)).toBe((await g.ok(clone, ['rev-parse', 'origin/main'])).trim());
  });
});
