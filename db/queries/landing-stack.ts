/**
 * The landings of one stack onto a target, for the landing page: the landing tracking a change
 * (the open one, else the newest, so a landed change below still shows as landed), and the open
 * landings whose latest revision sits on a change. The page walks these a step at a time.
 */
import type { Db } from '../client';
import type { LandingState } from './landings';

/** One landing of a stack, with the change it tracks and the one its latest revision sits on. */
export interface StackEntry {
  number: number;
  title: string;
  landing_state: LandingState;
  draft: boolean;
  change_id: string | null;
  parent_change_id: string | null;
}

const COLUMNS = `l.number::int AS number, i.title, l.state AS landing_state, l.draft, l.change_id,
  last.parent_change_id`;
const FROM = `landings l JOIN issues i ON i.id = l.issue_id
  JOIN LATERAL (SELECT r.parent_change_id FROM landing_revisions r
                 WHERE r.landing_id = l.issue_id ORDER BY r.number DESC LIMIT 1) last ON true`;

/** The landing of `changeId` onto `target`: the open one, else the newest. */
export async function landingOfChange(
  db: Db,
  repoId: string,
  target: string,
  changeId: string,
): Promise<StackEntry | undefined> {
  const rows = await db.query<StackEntry>(
    `SELECT ${COLUMNS} FROM ${FROM}
      WHERE l.repo_id = $1 AND l.target_branch = $2 AND l.change_id = $3
      ORDER BY (l.state = 'open') DESC, l.number DESC LIMIT 1`,
    [repoId, target, changeId],
  );
  return rows[0];
}

/** The open landings onto `target` whose latest revision sits on change `changeId`. */
export function openLandingsOn(
  db: Db,
  repoId: string,
  target: string,
  changeId: string,
): Promise<StackEntry[]> {
  return db.query<StackEntry>(
    `SELECT ${COLUMNS} FROM ${FROM}
      WHERE l.repo_id = $1 AND l.target_branch = $2 AND l.state = 'open'
        AND last.parent_change_id = $3 ORDER BY l.number`,
    [repoId, target, changeId],
  );
}
