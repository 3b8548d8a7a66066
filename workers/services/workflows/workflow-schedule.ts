/**
 * `schedule` triggers: once a minute (the Worker's Cron Trigger) every valid workflow of a
 * default branch whose cron expression fires at that minute gets a `schedule` event at the
 * branch's current head. At most one event per repository, expression and minute, so a
 * repeated tick records nothing twice. Scheduled runs act as the repository's owner.
 */
import type { Db } from '../../../db/client';
import { findRepoById } from '../../../db/queries/repositories';
import { insertScheduleEvent } from '../../../db/queries/workflow-events';
import { listScheduleTriggers } from '../../../db/queries/workflows';
import type { Env } from '../../env';
import { refNamed } from '../browse/resolve-ref';
import { cronMatches } from './cron';
import { gitRepoContext } from '../git/repo-context';
import { ringClaims } from '../runs/claim-bell';

/** Records the schedule events due at the minute of `at`; returns how many were new. */
export async function recordScheduledEvents(db: Db, env: Env, at: Date): Promise<number> {
  const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
  const due = (await listScheduleTriggers(db)).filter((t) => cronMatches(t.cron, minute));
  let recorded = 0;
  for (const t of due) {
    const repo = await findRepoById(db, t.repo_id);
    if (!repo) continue;
    const ctx = gitRepoContext(env, {
      id: repo.id,
      fullName: `${repo.owner_login}/${repo.name}`,
      defaultBranch: repo.default_branch,
    });
    const head = refNamed(await ctx.refs.state(repo.default_branch), repo.default_branch);
    if (!head) continue;
    const isNew = await insertScheduleEvent(db, {
      repoId: repo.id,
      ref: head.name,
      sha: head.oid,
      cron: t.cron,
      minute: minute.toISOString(),
      // Scheduled runs read the repository as its owner.
      actorId: repo.owner_id,
    });
    if (isNew) recorded++;
  }
  if (recorded > 0) await ringClaims(env);
  return recorded;
}
