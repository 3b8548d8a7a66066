/** A repository's runs a page at a time, filtered as the run list asks, and a run's steps. */
import type { Db } from '../../../db/client';
import {
  listRuns,
  listSteps,
  type RunFilter,
  type RunRow,
  type StepRow,
} from '../../../db/queries/runs';
import { rowWindow, type Page } from '../platform/page';

/** One page of the runs of `repoId` that match `filter`, newest first, and how many match. */
export function runsOfRepo(
  db: Db,
  repoId: string,
  filter: RunFilter,
  page: Page,
): Promise<{ rows: RunRow[]; total: number }> {
  return listRuns(db, repoId, filter, rowWindow(page));
}

/** The steps of run `runId` in plan order. */
export function stepsOfRun(db: Db, runId: string): Promise<StepRow[]> {
  return listSteps(db, runId);
}
