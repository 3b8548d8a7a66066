/** Typed queries for what sorts issues: labels, milestones (with progress) and assignees. */
import type { Db } from '../client';

export interface LabelRow {
  id: string;
  name: string;
  color: string;
  description: string;
}

export interface MilestoneRow {
  id: string;
  number: number;
  title: string;
  description: string;
  state: 'open' | 'closed';
  due_on: Date | null;
  open_issues: number;
  closed_issues: number;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
}

export interface AssigneeRow {
  issue_id: string;
  user_id: string;
  login: string;
}

const LABEL = `l.id::text AS id, l.name, l.color, l.description`;

export async function listLabels(db: Db, repoId: string): Promise<LabelRow[]> {
  return db.query<LabelRow>(
    `SELECT ${LABEL} FROM labels l WHERE l.repo_id = $1 ORDER BY lower(l.name)`,
    [repoId],
  );
}

/** The repository's labels with these names (case-insensitive). */
export async function labelsNamed(db: Db, repoId: string, names: string[]): Promise<LabelRow[]> {
  return db.query<LabelRow>(
    `SELECT ${LABEL} FROM labels l WHERE l.repo_id = $1 AND lower(l.name) = ANY($2::text[])`,
    [repoId, names.map((n) => n.toLowerCase())],
  );
}

/** Inserts a label; undefined when one of that name exists. */
export async function insertLabel(
  db: Db,
  repoId: string,
  l: { name: string; color: string; description: string },
): Promise<LabelRow | undefined> {
  const rows = await db.query<LabelRow>(
    `INSERT INTO labels AS l (repo_id, name, color, description) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING ${LABEL}`,
    [repoId, l.name, l.color, l.description],
  );
  return rows[0];
}

export async function updateLabel(
  db: Db,
  id: string,
  patch: { name?: string; color?: string; description?: string },
): Promise<LabelRow | undefined> {
  const rows = await db.query<LabelRow>(
    `UPDATE labels AS l SET name = COALESCE($2, name), color = COALESCE($3, color),
       description = COALESCE($4, description) WHERE id = $1 RETURNING ${LABEL}`,
    [id, patch.name ?? null, patch.color ?? null, patch.description ?? null],
  );
  return rows[0];
}

export async function deleteLabel(db: Db, id: string): Promise<void> {
  await db.query(`DELETE FROM labels WHERE id = $1`, [id]);
}

/** Labels of each of the issues, keyed by issue id. */
export async function labelsOfIssues(db: Db, issueIds: string[]): Promise<Map<string, LabelRow[]>> {
  const out = new Map<string, LabelRow[]>();
  if (issueIds.length === 0) return out;
  const rows = await db.query<LabelRow & { issue_id: string }>(
    `SELECT il.issue_id::text AS issue_id, ${LABEL} FROM issue_labels il
       JOIN labels l ON l.id = il.label_id
      WHERE il.issue_id = ANY($1::bigint[]) ORDER BY lower(l.name)`,
    [issueIds],
  );
  for (const { issue_id, ...label } of rows) {
    out.set(issue_id, [...(out.get(issue_id) ?? []), label]);
  }
  return out;
}

/** Adds labels to an issue; returns those that were not on it yet. */
export async function addIssueLabels(
  db: Db,
  issueId: string,
  labelIds: string[],
): Promise<string[]> {
  if (labelIds.length === 0) return [];
  const rows = await db.query<{ label_id: string }>(
    `INSERT INTO issue_labels (issue_id, label_id) SELECT $1, unnest($2::bigint[])
     ON CONFLICT DO NOTHING RETURNING label_id::text AS label_id`,
    [issueId, labelIds],
  );
  return rows.map((r) => r.label_id);
}

/** Removes labels from an issue; returns those that were on it. */
export async function removeIssueLabels(
  db: Db,
  issueId: string,
  labelIds: string[],
): Promise<string[]> {
  if (labelIds.length === 0) return [];
  const rows = await db.query<{ label_id: string }>(
    `DELETE FROM issue_labels WHERE issue_id = $1 AND label_id = ANY($2::bigint[])
     RETURNING label_id::text AS label_id`,
    [issueId, labelIds],
  );
  return rows.map((r) => r.label_id);
}

const MILESTONE = `m.id::text AS id, m.number::int AS number, m.title, m.description, m.state,
  m.due_on, m.created_at, m.updated_at, m.closed_at,
  (SELECT count(*)::int FROM issues i WHERE i.milestone_id = m.id AND i.state = 'open') AS open_issues,
  (SELECT count(*)::int FROM issues i WHERE i.milestone_id = m.id AND i.state = 'closed') AS closed_issues`;

export async function listMilestones(
  db: Db,
  repoId: string,
  state: 'open' | 'closed' | 'all',
): Promise<MilestoneRow[]> {
  return db.query<MilestoneRow>(
    `SELECT ${MILESTONE} FROM milestones m WHERE m.repo_id = $1 AND ($2 = 'all' OR m.state = $2)
      ORDER BY m.due_on NULLS LAST, m.number`,
    [repoId, state],
  );
}

export async function findMilestone(
  db: Db,
  repoId: string,
  by: { number: number } | { id: string } | { title: string },
): Promise<MilestoneRow | undefined> {
  const [cond, value] =
    'number' in by
      ? ['m.number = $2', by.number]
      : 'id' in by
        ? ['m.id = $2', by.id]
        : ['lower(m.title) = lower($2)', by.title];
  const rows = await db.query<MilestoneRow>(
    `SELECT ${MILESTONE} FROM milestones m WHERE m.repo_id = $1 AND ${cond}`,
    [repoId, value],
  );
  return rows[0];
}

/** Inserts a milestone under the next milestone number; undefined when the title is taken. */
export async function insertMilestone(
  db: Db,
  repoId: string,
  m: { title: string; description: string; dueOn: Date | null; creatorId: string; now: Date },
): Promise<MilestoneRow | undefined> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO milestones (repo_id, number, title, description, due_on, creator_id,
       created_at, updated_at)
     SELECT $1, COALESCE(max(number), 0) + 1, $2, $3, $4, $5, $6, $6
       FROM milestones WHERE repo_id = $1
     ON CONFLICT DO NOTHING RETURNING id::text AS id`,
    [repoId, m.title, m.description, m.dueOn, m.creatorId, m.now],
  );
  const id = rows[0]?.id;
  return id === undefined ? undefined : findMilestone(db, repoId, { id });
}

export async function updateMilestone(
  db: Db,
  repoId: string,
  id: string,
  patch: { title?: string; description?: string; state?: 'open' | 'closed'; dueOn?: Date | null },
  now: Date,
): Promise<MilestoneRow | undefined> {
  await db.query(
    `UPDATE milestones SET title = COALESCE($2, title), description = COALESCE($3, description),
       state = COALESCE($4, state), due_on = CASE WHEN $5 THEN $6::timestamptz ELSE due_on END,
       closed_at = CASE WHEN $4 = 'closed' THEN COALESCE(closed_at, $7)
                        WHEN $4 = 'open' THEN NULL ELSE closed_at END,
       updated_at = $7
     WHERE id = $1`,
    [
      id,
      patch.title ?? null,
      patch.description ?? null,
      patch.state ?? null,
      patch.dueOn !== undefined,
      patch.dueOn ?? null,
      now,
    ],
  );
  return findMilestone(db, repoId, { id });
}

export async function deleteMilestone(db: Db, id: string): Promise<void> {
  await db.query(`DELETE FROM milestones WHERE id = $1`, [id]);
}

export async function assigneesOfIssues(
  db: Db,
  issueIds: string[],
): Promise<Map<string, AssigneeRow[]>> {
  const out = new Map<string, AssigneeRow[]>();
  if (issueIds.length === 0) return out;
  const rows = await db.query<AssigneeRow>(
    `SELECT a.issue_id::text AS issue_id, a.user_id::text AS user_id, u.username AS login
       FROM issue_assignees a JOIN users u ON u.id = a.user_id
      WHERE a.issue_id = ANY($1::bigint[]) ORDER BY lower(u.username)`,
    [issueIds],
  );
  for (const r of rows) out.set(r.issue_id, [...(out.get(r.issue_id) ?? []), r]);
  return out;
}

/** Adds assignees; returns the user ids newly assigned. */
export async function addAssignees(db: Db, issueId: string, userIds: string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await db.query<{ user_id: string }>(
    `INSERT INTO issue_assignees (issue_id, user_id) SELECT $1, unnest($2::bigint[])
     ON CONFLICT DO NOTHING RETURNING user_id::text AS user_id`,
    [issueId, userIds],
  );
  return rows.map((r) => r.user_id);
}

/** Removes assignees; returns the user ids that were assigned. */
export async function removeAssignees(
  db: Db,
  issueId: string,
  userIds: string[],
): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await db.query<{ user_id: string }>(
    `DELETE FROM issue_assignees WHERE issue_id = $1 AND user_id = ANY($2::bigint[])
     RETURNING user_id::text AS user_id`,
    [issueId, userIds],
  );
  return rows.map((r) => r.user_id);
}

/**
 * Users who may be assigned in the repository (owner and write/admin collaborators), among
 * `logins` when given (case-insensitive).
 */
export async function assignableUsers(
  db: Db,
  repoId: string,
  logins?: string[],
): Promise<Array<{ id: string; login: string }>> {
  return db.query<{ id: string; login: string }>(
    `SELECT u.id::text AS id, u.username AS login FROM users u
      WHERE (u.id = (SELECT owner_id FROM repositories WHERE id = $1)
         OR EXISTS (SELECT 1 FROM collaborators c WHERE c.repo_id = $1 AND c.user_id = u.id
                      AND c.permission IN ('write', 'admin')))
        AND ($2::text[] IS NULL OR lower(u.username) = ANY($2::text[]))
      ORDER BY lower(u.username)`,
    [repoId, logins ? logins.map((l) => l.toLowerCase()) : null],
  );
}
