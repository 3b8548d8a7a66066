/**
 * The labels and milestones pages (and one page per milestone with its issues) and their form
 * actions: anyone who can read the repository
 * sees them; create, edit, close/reopen and delete need write access (the services check, as for
 * the API). Each action is a form POST answered with a 303 back to its page (POST→redirect→GET);
 * anonymous visitors are sent to sign in; the same-origin check of middleware/csrf.ts covers them.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { holds, type RepoScope } from '../../services/issues/access';
import {
  createLabel,
  createMilestone,
  editLabel,
  editMilestone,
  getMilestone,
  labelsWithCounts,
  removeLabel,
  removeMilestone,
  repoMilestones,
} from '../../services/issues/issue-meta';
import { LabelsPage } from '../../views/issues/labels-page';
import { MilestonesPage } from '../../views/issues/milestones-page';
import { MilestonePage } from '../../views/issues/milestone-page';
import { milestoneIssues } from '../../services/issues/issues';
import {
  createLabelInput,
  createMilestoneInput,
  updateLabelInput,
  updateMilestoneInput,
} from '../../services/issues/inputs';
import { formInput, formText, parseInput, queryInput, uiPageQuery } from '../input';
import { scope } from './issue-forms';

const labelForm = z.object({
  name: formText.default(''),
  color: formText.default(''),
  description: formText.default(''),
});
const milestoneForm = z.object({
  title: formText.default(''),
  due_on: formText.default(''),
  description: formText.default(''),
});
const confirmForm = z.object({ confirm: formText.default('') });
const stateQuery = z.object({
  state: z.enum(['open', 'closed'], { error: 'must be open or closed' }).default('open'),
});
const milestoneQuery = uiPageQuery.extend(stateQuery.shape);
const MILESTONE_PAGE = 25;

/** An empty date field clears the due date. */
const dueOrNull = (f: z.output<typeof milestoneForm>) => ({
  ...f,
  due_on: f.due_on === '' ? null : f.due_on,
});

const repoPath = (s: RepoScope) => `/${s.repo.owner_login}/${s.repo.name}`;

function milestoneNumber(c: Context<AppEnv>): number {
  const raw = c.req.param('number') ?? '';
  if (!/^\d{1,9}$/.test(raw)) throw AppError.notFound('Milestone not found', 'milestone_not_found');
  return Number(raw);
}

/** Runs a form action, then redirects to `page` of the repository; anonymous users sign in. */
function metaAction(page: string, run: (c: Context<AppEnv>, s: RepoScope) => Promise<void>) {
  return async (c: Context<AppEnv>) => {
    const s = await scope(c);
    const to = `${repoPath(s)}/${page}`;
    if (!c.var.user) return c.redirect(`/login?next=${encodeURIComponent(to)}`, 303);
    await run(c, s);
    return c.redirect(to, 303);
  };
}

export const issueMetaPageRoutes = new Hono<AppEnv>()
  .get('/:owner/:repo/labels', async (c) => {
    const s = await scope(c);
    c.header('Cache-Control', 'private, no-cache');
    return c.html(
      <LabelsPage
        user={c.var.user}
        repo={s.repo}
        labels={await labelsWithCounts(s)}
        canWrite={holds(s, 'write')}
      />,
    );
  })
  .post(
    '/:owner/:repo/labels',
    metaAction('labels', async (c, s) => {
      const f = await formInput(c, labelForm);
      await createLabel(s, parseInput(createLabelInput, f));
    }),
  )
  .post(
    '/:owner/:repo/labels/:name/edit',
    metaAction('labels', async (c, s) => {
      const f = await formInput(c, labelForm.extend({ new_name: formText.default('') }));
      const input = parseInput(updateLabelInput, {
        new_name: f.new_name.trim() || undefined,
        color: f.color || undefined,
        description: f.description,
      });
      await editLabel(s, c.req.param('name') ?? '', input);
    }),
  )
  .post(
    '/:owner/:repo/labels/:name/delete',
    metaAction('labels', async (c, s) => {
      const name = c.req.param('name') ?? '';
      const { confirm } = await formInput(c, confirmForm);
      if (confirm !== name) {
        throw AppError.invalid(`confirm: must be the label's name (${name})`, 'confirm_invalid');
      }
      await removeLabel(s, name);
    }),
  )
  .get('/:owner/:repo/milestones', async (c) => {
    const s = await scope(c);
    const { state } = queryInput(c, stateQuery);
    const all = await repoMilestones(s, 'all');
    c.header('Cache-Control', 'private, no-cache');
    return c.html(
      <MilestonesPage
        user={c.var.user}
        repo={s.repo}
        state={state}
        milestones={all.filter((m) => m.state === state)}
        open={all.filter((m) => m.state === 'open').length}
        closed={all.filter((m) => m.state === 'closed').length}
        canWrite={holds(s, 'write')}
        now={s.now.getTime()}
      />,
    );
  })
  .get('/:owner/:repo/milestones/:number{[0-9]+}', async (c) => {
    const s = await scope(c);
    const { state, page } = queryInput(c, milestoneQuery);
    const raw = c.req.param('number');
    if (raw.length > 9) throw AppError.notFound('Milestone not found', 'milestone_not_found');
    const milestone = await getMilestone(s, Number(raw));
    const list = await milestoneIssues(s, milestone, state, { page, perPage: MILESTONE_PAGE });
    c.header('Cache-Control', 'private, no-cache');
    return c.html(
      <MilestonePage
        user={c.var.user}
        repo={s.repo}
        milestone={milestone}
        state={state}
        items={list.items}
        total={list.total}
        page={page}
        perPage={MILESTONE_PAGE}
        now={s.now.getTime()}
      />,
    );
  })
  .post(
    '/:owner/:repo/milestones',
    metaAction('milestones', async (c, s) => {
      const f = await formInput(c, milestoneForm);
      await createMilestone(s, parseInput(createMilestoneInput, dueOrNull(f)));
    }),
  )
  .post(
    '/:owner/:repo/milestones/:number{[0-9]+}/edit',
    metaAction('milestones', async (c, s) => {
      const f = await formInput(c, milestoneForm);
      await editMilestone(s, milestoneNumber(c), parseInput(updateMilestoneInput, dueOrNull(f)));
    }),
  )
  .post(
    '/:owner/:repo/milestones/:number{[0-9]+}/state',
    metaAction('milestones', async (c, s) => {
      const { state } = await formInput(c, z.object({ state: z.enum(['open', 'closed']) }));
      await editMilestone(s, milestoneNumber(c), { state });
    }),
  )
  .post(
    '/:owner/:repo/milestones/:number{[0-9]+}/delete',
    metaAction('milestones', async (c, s) => {
      const n = milestoneNumber(c);
      const { confirm } = await formInput(c, confirmForm);
      if (confirm !== String(n)) {
        throw AppError.invalid(`confirm: must be the milestone's number (${n})`, 'confirm_invalid');
      }
      await removeMilestone(s, n);
    }),
  );
