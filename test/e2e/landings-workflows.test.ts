/**
 * Landing requests start workflows: a repository whose workflow listens to `pull_request`
 * (opened, synchronize) gets a run for a landing opened by `git push HEAD:refs/for/main` and
 * another for its second revision, each on the revision's head commit; the run's commit status
 * shows in the landing page's checks, and the SDK saw the event's action and number.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Controller } from '../../runner-controller/controller/controller';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { forgeClient, uniq } from './forge-client';
import { jjCommit, newChangeId } from './landing-fixture';
import { outputOf, pushRepo, testController, type RunJson } from './workflows-client';

const base = inject('baseUrl');
const { page } = forgeClient(base);

const WORKFLOW = `from plue import workflow, pull_request

@workflow(triggers=[pull_request(types=["opened", "synchronize"])])
def review(ctx):
    ctx.run(name="event", cmd=f"echo action={ctx.event['action']} number={ctx.event['number']}")
`;

describe('landing requests and workflows', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let controller: Controller;
  beforeAll(async () => {
    alice = await signUp(base);
    controller = await testController(base, alice);
  });
  afterAll(async () => {
    await controller?.stop({ abandon: true });
    g.cleanup();
  });

  it('runs pull_request workflows on opened and synchronize, statuses on the landing', async () => {
    const token = await alice.token(['repo:read', 'repo:write']);
    const name = uniq('lwf');
    const { repo, dir } = await pushRepo(base, g, alice, token, name, {
      '.plue/workflows/review.py': WORKFLOW,
    });
    const remote = remoteUrl(base, alice.user.login, name, token);
    const change = newChangeId();
    const head1 = await jjCommit(g, dir, {
      file: 'a.txt',
      content: 'a\n',
      message: 'A',
      changeId: change,
    });
    const push = await g.git(dir, ['push', remote, 'HEAD:refs/for/main']);
    expect(push.code, push.stderr).toBe(0);
    const n = Number(/Landing !(\d+) revision 1/.exec(push.stderr)?.[1]);
    const [run1] = await repo.waitForRuns(head1);
    const done1 = await repo.waitForRun((run1 as RunJson).id);
    expect(done1).toMatchObject({ event: 'pull_request', conclusion: 'success' });
    expect(outputOf(await repo.stream(done1.id))).toContain(`action=opened number=${n}`);

    const head2 = await jjCommit(g, dir, {
      file: 'a.txt',
      content: 'a2\n',
      message: 'A',
      changeId: change,
      parent: 'HEAD^',
    });
    expect((await g.git(dir, ['push', remote, 'HEAD:refs/for/main'])).code).toBe(0);
    const [run2] = await repo.waitForRuns(head2);
    const done2 = await repo.waitForRun((run2 as RunJson).id);
    expect(outputOf(await repo.stream(done2.id))).toContain(`action=synchronize number=${n}`);

    const [status, html] = await page(alice, `/${alice.user.login}/${name}/landings/${n}`);
    expect(status).toBe(200);
    const checks = /<p class="landing-checks"[^>]*>(.*?)<\/p>/s.exec(html)?.[1] ?? '';
    expect(checks).toContain(head2.slice(0, 10));
    expect(checks).toContain('✓');
    expect(checks).toContain('review');
  });
});
