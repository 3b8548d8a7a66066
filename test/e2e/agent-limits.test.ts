/**
 * Per-repository limits for model steps end to end, with the test stack's defaults (at most 2
 * model steps of one repository at once): a first mention starts two agent steps that the fake
 * provider holds mid-turn; a second mention's steps are refused by the Worker before any model
 * call, and their run fails with a note naming the limit in its log. Once the first run ends,
 * a third mention runs normally.
 */
import { describe, expect, inject, it } from 'vitest';
import { agentSuite, mentionPrompt, mentionRepo, repoApi, waitForCommentRun } from './agent-client';
import { poll } from './workflows-client';

const base = inject('baseUrl');

const TWO_AGENTS = `from plue import workflow, issue_comment

@workflow(triggers=[issue_comment(contains="@plue")])
def mention(ctx):
    for name in ["first", "second"]:
        ctx.agent(name, prompt=".plue/prompts/answer.prompt.md", vars={
            "title": ctx.event["issue"]["title"],
            "body": ctx.event["issue"]["body"],
            "request": ctx.event["comment"]["body"],
        }, max_turns=2)
`;

describe('limits per repository for agent runs', () => {
  const suite = agentSuite(base);
  const { g } = suite;

  it('refuses model steps past the concurrent limit, with the reason on the run', async () => {
    const repo = await mentionRepo(base, g, suite.alice, suite.token, 'agent-limits', {
      '.plue/prompts/answer.prompt.md': mentionPrompt(''),
      '.plue/workflows/mention.py': TWO_AGENTS,
    });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    suite.stack.script.push(
      { blocks: [{ text: 'first answer' }], after: held },
      { blocks: [{ text: 'second answer' }], after: held },
    );
    const issue = await repoApi<{ number: number }>(repo, 'POST', '/issues', { title: 'limits' });
    const comment = (body: string) =>
      repoApi(repo, 'POST', `/issues/${issue.json.number}/comments`, { body });
    try {
      await comment('@plue one');
      const first = await waitForCommentRun(repo, 1);
      // Both of its model steps are running (held at the provider).
      await poll(async () => (suite.stack.script.length === 0 ? true : undefined), 60_000);
      await poll(async () => {
        const jobs = Object.values(await repo.jobs(first.id));
        return jobs.filter((j) => j.status === 'in_progress').length === 2 ? true : undefined;
      }, 30_000);

      await comment('@plue two');
      const second = await waitForCommentRun(repo, 2);
      expect(second.id).not.toBe(first.id);
      const done = await repo.waitForRun(second.id);
      expect(done.conclusion).toBe('failure');
      const events = await repo.stream(second.id);
      expect(JSON.stringify(events)).toContain('Agent limit: 2 model step(s) already running');
      // No model call was made for it: the two held requests are all the provider saw.
      expect(suite.stack.fake.requests).toHaveLength(2);
    } finally {
      release();
    }
    const all = await repo.get<{ workflow_runs: Array<{ id: number; status: string }> }>(
      '/actions/runs',
    );
    for (const r of all.workflow_runs) await repo.waitForRun(r.id);

    suite.stack.script.push({ blocks: [{ text: 'third' }] }, { blocks: [{ text: 'fourth' }] });
    await comment('@plue three');
    const third = await waitForCommentRun(repo, 3);
    expect((await repo.waitForRun(third.id)).conclusion).toBe('success');
  });
});
