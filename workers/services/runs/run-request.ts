/**
 * What became of a requested run ("Run workflow" on the workflows page, or the API's dispatch):
 * the request is an event that a runner controller evaluates before any run exists, so the runs
 * list shows the request itself until its run appears (or the evaluation fails).
 */
import type { Db } from '../../../db/client';
import type { RunRow } from '../../../db/queries/runs';
import { listRunsOfEvent } from '../../../db/queries/run-origins';
import { findEvent } from '../../../db/queries/workflow-events';
import { shortRef } from '../workflows/workflow-events';

export interface RunRequest {
  workflow: string;
  ref: string;
  /** waiting: no runner has evaluated it yet; started: its runs exist; failed: it could not. */
  state: 'waiting' | 'started' | 'failed';
  runs: RunRow[];
  error: string | null;
}

/** The request `eventId` of repository `repoId` (undefined for a malformed or foreign id). */
export async function findRunRequest(
  db: Db,
  repoId: string,
  eventId: string | undefined,
): Promise<RunRequest | undefined> {
  if (eventId === undefined || !/^[1-9]\d{0,17}$/.test(eventId)) return undefined;
  const event = await findEvent(db, eventId);
  if (!event || event.repo_id !== repoId || event.type !== 'workflow_dispatch') return undefined;
  const runs = await listRunsOfEvent(db, repoId, eventId);
  const workflow = typeof event.payload.workflow === 'string' ? event.payload.workflow : '';
  const state =
    runs.length > 0
      ? 'started'
      : event.status === 'failed' || event.status === 'done'
        ? 'failed'
        : 'waiting';
  // The event's own error text is the controller's (it may name internal hosts): not shown.
  const error =
    state !== 'failed'
      ? null
      : event.status === 'failed'
        ? 'the runner could not evaluate the workflows at this commit; try again, or push a fix'
        : 'no run started (the workflow has no manual trigger at this commit, or its file does not evaluate there: see Workflows)';
  return { workflow, ref: shortRef(event.ref), state, runs, error };
}
