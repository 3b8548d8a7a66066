/**
 * Labels and assignees on an issue, and the repository's labels and milestones. Changing them
 * needs write access; each change is a timeline event. Assignees must have write access.
 */
import {
  addAssignees,
  addIssueLabels,
  assignableUsers,
  assigneesOfIssues,
  deleteLabel,
  deleteMilestone,
  findMilestone,
  insertLabel,
  insertMilestone,
  labelsNamed,
  labelsOfIssues,
  listLabels,
  listMilestones,
  removeAssignees,
  removeIssueLabels,
  updateLabel,
  updateMilestone,
  type LabelRow,
  type MilestoneRow,
} from '../../../db/queries/issue-meta';
import { touchIssue, type IssueRow } from '../../../db/queries/issues';
import { AppError } from '../../../common/errors';
import { participant, requireLevel, type RepoScope } from './access';
import { recordActivity } from './events';
import type { z } from 'zod';
import type {
  createLabelInput,
  createMilestoneInput,
  updateLabelInput,
  updateMilestoneInput,
} from './inputs';

/** Adds, sets or removes labels by name (names that are not labels of the repository: 422). */
export async function applyLabels(
  s: RepoScope,
  issue: IssueRow,
  names: string[],
  mode: 'add' | 'set' | 'remove',
): Promise<LabelRow[]> {
  await requireLevel(s, 'write');
  const user = participant(s);
  const found = await labelsNamed(s.db, s.repo.id, names);
  const missing = names.filter((n) => !found.some((l) => l.name.toLowerCase() === n.toLowerCase()));
  if (missing.length > 0 && mode !== 'remove') {
    throw AppError.invalid(`labels: no label named ${missing.join(', ')}`, 'labels_invalid');
  }
  const current = (await labelsOfIssues(s.db, [issue.id])).get(issue.id) ?? [];
  const toRemove =
    mode === 'remove'
      ? found
      : mode === 'set'
        ? current.filter((c) => !found.some((f) => f.id === c.id))
        : [];
  const added =
    mode === 'remove'
      ? []
      : await addIssueLabels(
          s.db,
          issue.id,
          found.map((l) => l.id),
        );
  const removed = await removeIssueLabels(
    s.db,
    issue.id,
    toRemove.map((l) => l.id),
  );
  const byId = new Map([...found, ...current].map((l) => [l.id, l]));
  const ev = (event: 'labeled' | 'unlabeled', id: string) => {
    const l = byId.get(id);
    return {
      issueId: issue.id,
      actorId: user.id,
      event,
      data: { label: { name: l?.name ?? '', color: l?.color ?? '' } },
      now: s.now,
    };
  };
  await recordActivity(s.db, issue.id, {
    events: [...added.map((id) => ev('labeled', id)), ...removed.map((id) => ev('unlabeled', id))],
  });
  if (added.length + removed.length > 0) await touchIssue(s.db, issue.id, s.now);
  return (await labelsOfIssues(s.db, [issue.id])).get(issue.id) ?? [];
}

/** Adds, sets or removes assignees by login; only users with write access can be assigned. */
export async function applyAssignees(
  s: RepoScope,
  issue: IssueRow,
  logins: string[],
  mode: 'add' | 'set' | 'remove',
): Promise<void> {
  await requireLevel(s, 'write');
  const user = participant(s);
  const ok = await assignableUsers(s.db, s.repo.id, logins);
  const missing = logins.filter((n) => !ok.some((u) => u.login.toLowerCase() === n.toLowerCase()));
  if (missing.length > 0 && mode !== 'remove') {
    throw AppError.invalid(
      `assignees: ${missing.join(', ')} cannot be assigned (only users with write access)`,
      'assignees_invalid',
    );
  }
  const current = (await assigneesOfIssues(s.db, [issue.id])).get(issue.id) ?? [];
  const toRemove =
    mode === 'remove'
      ? current.filter((c) => logins.some((l) => l.toLowerCase() === c.login.toLowerCase()))
      : mode === 'set'
        ? current.filter((c) => !ok.some((u) => u.id === c.user_id))
        : [];
  const added =
    mode === 'remove'
      ? []
      : await addAssignees(
          s.db,
          issue.id,
          ok.map((u) => u.id),
        );
  const removed = await removeAssignees(
    s.db,
    issue.id,
    toRemove.map((u) => u.user_id),
  );
  const loginOf = new Map<string, string>([
    ...ok.map((u): [string, string] => [u.id, u.login]),
    ...current.map((c): [string, string] => [c.user_id, c.login]),
  ]);
  const ev = (event: 'assigned' | 'unassigned', id: string) => ({
    issueId: issue.id,
    actorId: user.id,
    event,
    data: { assignee: { login: loginOf.get(id) ?? '', id: Number(id) } },
    now: s.now,
  });
  await recordActivity(s.db, issue.id, {
    events: [
      ...added.map((id) => ev('assigned', id)),
      ...removed.map((id) => ev('unassigned', id)),
    ],
    assigned: added,
  });
  if (added.length + removed.length > 0) await touchIssue(s.db, issue.id, s.now);
}

export async function repoLabels(s: RepoScope): Promise<LabelRow[]> {
  return listLabels(s.db, s.repo.id);
}

async function labelNamed(s: RepoScope, name: string): Promise<LabelRow> {
  const [label] = await labelsNamed(s.db, s.repo.id, [name]);
  if (!label) throw AppError.notFound('Label not found', 'label_not_found');
  return label;
}

export async function getLabel(s: RepoScope, name: string): Promise<LabelRow> {
  return labelNamed(s, name);
}

export async function createLabel(
  s: RepoScope,
  input: z.output<typeof createLabelInput>,
): Promise<LabelRow> {
  await requireLevel(s, 'write');
  const label = await insertLabel(s.db, s.repo.id, input);
  if (!label) throw AppError.conflict(`A label named ${input.name} exists`, 'label_exists');
  return label;
}

export async function editLabel(
  s: RepoScope,
  name: string,
  input: z.output<typeof updateLabelInput>,
): Promise<LabelRow> {
  await requireLevel(s, 'write');
  const label = await labelNamed(s, name);
  if (input.new_name !== undefined && input.new_name.toLowerCase() !== label.name.toLowerCase()) {
    if ((await labelsNamed(s.db, s.repo.id, [input.new_name])).length > 0) {
      throw AppError.conflict(`A label named ${input.new_name} exists`, 'label_exists');
    }
  }
  const { new_name, ...rest } = input;
  return (await updateLabel(s.db, label.id, { ...rest, name: new_name })) ?? label;
}

export async function removeLabel(s: RepoScope, name: string): Promise<void> {
  await requireLevel(s, 'write');
  await deleteLabel(s.db, (await labelNamed(s, name)).id);
}

export async function repoMilestones(
  s: RepoScope,
  state: 'open' | 'closed' | 'all',
): Promise<MilestoneRow[]> {
  return listMilestones(s.db, s.repo.id, state);
}

export async function getMilestone(s: RepoScope, number: number): Promise<MilestoneRow> {
  const m = await findMilestone(s.db, s.repo.id, { number });
  if (!m) throw AppError.notFound('Milestone not found', 'milestone_not_found');
  return m;
}

const dueDate = (d: string | null | undefined) =>
  d === undefined ? undefined : d === null ? null : new Date(d);

export async function createMilestone(
  s: RepoScope,
  input: z.output<typeof createMilestoneInput>,
): Promise<MilestoneRow> {
  await requireLevel(s, 'write');
  const user = participant(s);
  const m = await insertMilestone(s.db, s.repo.id, {
    title: input.title,
    description: input.description,
    dueOn: dueDate(input.due_on) ?? null,
    creatorId: user.id,
    now: s.now,
  });
  if (!m) throw AppError.conflict(`A milestone titled ${input.title} exists`, 'milestone_exists');
  if (input.state === 'closed') {
    return (await updateMilestone(s.db, s.repo.id, m.id, { state: 'closed' }, s.now)) ?? m;
  }
  return m;
}

export async function editMilestone(
  s: RepoScope,
  number: number,
  input: z.output<typeof updateMilestoneInput>,
): Promise<MilestoneRow> {
  await requireLevel(s, 'write');
  const m = await getMilestone(s, number);
  const patch = { ...input, dueOn: dueDate(input.due_on) };
  try {
    return (await updateMilestone(s.db, s.repo.id, m.id, patch, s.now)) ?? m;
  } catch (err) {
    if (/unique|duplicate/i.test(String(err))) {
      throw AppError.conflict(`A milestone titled ${input.title ?? ''} exists`, 'milestone_exists');
    }
    throw err;
  }
}

export async function removeMilestone(s: RepoScope, number: number): Promise<void> {
  await requireLevel(s, 'write');
  await deleteMilestone(s.db, (await getMilestone(s, number)).id);
}

/** The labels on an issue. */
export async function labelsOnIssue(s: RepoScope, issue: IssueRow): Promise<LabelRow[]> {
  return (await labelsOfIssues(s.db, [issue.id])).get(issue.id) ?? [];
}

/** Users who can be assigned in the repository (the owner and write collaborators). */
export async function assignable(s: RepoScope): Promise<Array<{ id: string; login: string }>> {
  return assignableUsers(s.db, s.repo.id);
}

/** Milestone `number` of the repository, if there is one. */
export async function milestoneNumbered(
  s: RepoScope,
  number: number,
): Promise<MilestoneRow | undefined> {
  return findMilestone(s.db, s.repo.id, { number });
}
