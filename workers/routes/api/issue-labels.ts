/**
 * Labels, milestones and assignees over the API in GitHub's shapes: the repository's labels
 * and milestones (read by anyone who can read the repository, changed with write access), an
 * issue's labels (add, set, remove) and assignees (add, remove), and the assignable users.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { publicOrigin } from '../../services/platform/public-url';
import { issueOf, requireLevel } from '../../services/issues/access';
import { getIssue } from '../../services/issues/issues';
import {
  applyAssignees,
  applyLabels,
  assignable,
  labelsOnIssue,
  createLabel,
  createMilestone,
  editLabel,
  editMilestone,
  getLabel,
  getMilestone,
  removeLabel,
  removeMilestone,
  repoLabels,
  repoMilestones,
} from '../../services/issues/issue-meta';
import {
  assigneesInput,
  createLabelInput,
  createMilestoneInput,
  labelsInput,
  updateLabelInput,
  updateMilestoneInput,
} from '../../services/issues/inputs';
import { issueView, labelView, milestoneView } from '../../services/issues/views';
import { jsonInput, queryInput } from '../input';
import { pathNumber, scopeOf } from './issue-request';

const REPO = '/repos/:owner/:repo';
const ISSUE = `${REPO}/issues/:number{[0-9]+}`;
const stateQuery = z.object({
  state: z
    .enum(['open', 'closed', 'all'], { error: 'must be open, closed or all' })
    .default('open'),
});

export const issueLabelRoutes = new Hono<AppEnv>()
  .get(`${REPO}/labels`, async (c) => {
    const s = await scopeOf(c);
    return c.json((await repoLabels(s)).map(labelView));
  })
  .post(`${REPO}/labels`, async (c) => {
    const s = await scopeOf(c);
    return c.json(labelView(await createLabel(s, await jsonInput(c, createLabelInput))), 201);
  })
  .get(`${REPO}/labels/:name`, async (c) => {
    const s = await scopeOf(c);
    return c.json(labelView(await getLabel(s, c.req.param('name'))));
  })
  .patch(`${REPO}/labels/:name`, async (c) => {
    const s = await scopeOf(c);
    const input = await jsonInput(c, updateLabelInput);
    return c.json(labelView(await editLabel(s, c.req.param('name'), input)));
  })
  .delete(`${REPO}/labels/:name`, async (c) => {
    const s = await scopeOf(c);
    await removeLabel(s, c.req.param('name'));
    return c.body(null, 204);
  })
  .get(`${REPO}/milestones`, async (c) => {
    const s = await scopeOf(c);
    const { state } = queryInput(c, stateQuery);
    const origin = publicOrigin(c.env);
    return c.json((await repoMilestones(s, state)).map((m) => milestoneView(m, origin, s.repo)));
  })
  .post(`${REPO}/milestones`, async (c) => {
    const s = await scopeOf(c);
    const m = await createMilestone(s, await jsonInput(c, createMilestoneInput));
    return c.json(milestoneView(m, publicOrigin(c.env), s.repo), 201);
  })
  .get(`${REPO}/milestones/:number{[0-9]+}`, async (c) => {
    const s = await scopeOf(c);
    const m = await getMilestone(s, pathNumber(c, 'number'));
    return c.json(milestoneView(m, publicOrigin(c.env), s.repo));
  })
  .patch(`${REPO}/milestones/:number{[0-9]+}`, async (c) => {
    const s = await scopeOf(c);
    const input = await jsonInput(c, updateMilestoneInput);
    const m = await editMilestone(s, pathNumber(c, 'number'), input);
    return c.json(milestoneView(m, publicOrigin(c.env), s.repo));
  })
  .delete(`${REPO}/milestones/:number{[0-9]+}`, async (c) => {
    const s = await scopeOf(c);
    await removeMilestone(s, pathNumber(c, 'number'));
    return c.body(null, 204);
  })
  .get(`${ISSUE}/labels`, async (c) => {
    const s = await scopeOf(c);
    const issue = await issueOf(s, pathNumber(c, 'number'));
    return c.json((await labelsOnIssue(s, issue)).map(labelView));
  })
  .post(`${ISSUE}/labels`, async (c) => {
    const s = await scopeOf(c);
    const issue = await issueOf(s, pathNumber(c, 'number'));
    const { labels } = await jsonInput(c, labelsInput);
    return c.json((await applyLabels(s, issue, labels, 'add')).map(labelView));
  })
  .put(`${ISSUE}/labels`, async (c) => {
    const s = await scopeOf(c);
    const issue = await issueOf(s, pathNumber(c, 'number'));
    const { labels } = await jsonInput(c, labelsInput);
    return c.json((await applyLabels(s, issue, labels, 'set')).map(labelView));
  })
  .delete(`${ISSUE}/labels`, async (c) => {
    const s = await scopeOf(c);
    const issue = await issueOf(s, pathNumber(c, 'number'));
    const current = await labelsOnIssue(s, issue);
    await applyLabels(
      s,
      issue,
      current.map((l) => l.name),
      'remove',
    );
    return c.body(null, 204);
  })
  .delete(`${ISSUE}/labels/:name`, async (c) => {
    const s = await scopeOf(c);
    const issue = await issueOf(s, pathNumber(c, 'number'));
    const name = c.req.param('name');
    await requireLevel(s, 'write'); // before saying whether the label is on the issue
    const on = await labelsOnIssue(s, issue);
    if (!on.some((l) => l.name.toLowerCase() === name.toLowerCase())) {
      throw AppError.notFound('Label not found', 'label_not_found');
    }
    return c.json((await applyLabels(s, issue, [name], 'remove')).map(labelView));
  })
  .post(`${ISSUE}/assignees`, async (c) => {
    const s = await scopeOf(c);
    const issue = await issueOf(s, pathNumber(c, 'number'));
    const { assignees } = await jsonInput(c, assigneesInput);
    await applyAssignees(s, issue, assignees, 'add');
    const one = await getIssue(s, issue.number);
    return c.json(issueView(one.issue, one.extras, publicOrigin(c.env), s.repo), 201);
  })
  .delete(`${ISSUE}/assignees`, async (c) => {
    const s = await scopeOf(c);
    const issue = await issueOf(s, pathNumber(c, 'number'));
    const { assignees } = await jsonInput(c, assigneesInput);
    await applyAssignees(s, issue, assignees, 'remove');
    const one = await getIssue(s, issue.number);
    return c.json(issueView(one.issue, one.extras, publicOrigin(c.env), s.repo));
  })
  .get(`${REPO}/assignees`, async (c) => {
    const s = await scopeOf(c);
    const users = await assignable(s);
    return c.json(users.map((u) => ({ login: u.login, id: Number(u.id) })));
  });
