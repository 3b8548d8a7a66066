/**
 * Commit statuses in GitHub's shapes: posting one (write permission), listing a commit's
 * statuses, the combined status (failure/error beats pending beats success), and the statuses
 * workflow runs post on their head commit (context `plue/<workflow>`, target_url the run page).
 */
import { z } from 'zod';
import type { Db } from '../../../db/client';
import {
  addStatus,
  insertStatus,
  listStatuses,
  latestStatuses,
  latestStatusesOf,
  STATUS_STATES,
  type StatusRow,
  type StatusState,
} from '../../../db/queries/commit-statuses';
import type { RepoRow } from '../../../db/queries/repositories';
import type { Conclusion } from '../../../db/queries/runs';
import type { Env } from '../../env';
import { AppError } from '../../../common/errors';
import { loadRepoForAction, type Actor } from './authz';
import { openBrowseRepo } from '../browse/repo';
import { resolveRef } from '../browse/resolve-ref';
import { rowWindow, type Page } from '../platform/page';

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export function statusView(s: StatusRow, repoApi: string) {
  return {
    id: Number(s.id),
    url: `${repoApi}/statuses/${s.sha}`,
    state: s.state,
    description: s.description,
    target_url: s.target_url,
    context: s.context,
    created_at: s.created_at.toISOString(),
    updated_at: s.created_at.toISOString(),
    creator: s.creator_login ? { login: s.creator_login, id: Number(s.creator_id) } : null,
  };
}

/** GitHub's combined state: any failure/error → failure, else any pending (or none) → pending. */
export function combinedState(latest: StatusRow[]): StatusState {
  if (latest.some((s) => s.state === 'failure' || s.state === 'error')) return 'failure';
  if (latest.length === 0 || latest.some((s) => s.state === 'pending')) return 'pending';
  return 'success';
}

/** The combined state of each commit of `shas` that has statuses (one query). */
export async function combinedStates(
  db: Db,
  repoId: string,
  shas: string[],
): Promise<Map<string, StatusState>> {
  const rows = await latestStatusesOf(db, repoId, [...new Set(shas)]);
  const bySha = new Map<string, StatusRow[]>();
  for (const r of rows) bySha.set(r.sha, [...(bySha.get(r.sha) ?? []), r]);
  return new Map([...bySha].map(([sha, latest]) => [sha, combinedState(latest)]));
}

/** One page of the statuses posted on commit `sha`, newest first. */
export function statusesOf(db: Db, repoId: string, sha: string, page: Page): Promise<StatusRow[]> {
  return listStatuses(db, repoId, sha, rowWindow(page));
}

export async function combinedStatus(db: Db, repo: RepoRow, sha: string, repoApi: string) {
  const latest = await latestStatuses(db, repo.id, sha);
  return {
    state: combinedState(latest),
    sha,
    total_count: latest.length,
    statuses: latest.map((s) => statusView(s, repoApi)),
    repository: { id: Number(repo.id), full_name: `${repo.owner_login}/${repo.name}` },
    commit_url: `${repoApi}/commits/${sha}`,
    url: `${repoApi}/commits/${sha}/status`,
  };
}

/** The body of `POST /repos/{owner}/{repo}/statuses/{sha}` (GitHub's shape). */
export const statusRequest = z.object({
  state: z.enum(STATUS_STATES, { error: 'must be pending, success, failure or error' }),
  target_url: z
    .string({ error: 'must be a string' })
    .max(2000)
    .regex(/^https?:\/\//, 'must be an http(s) URL')
    .nullish(),
  description: z.string({ error: 'must be a string' }).max(1000).nullish(),
  context: z.string({ error: 'must be a string' }).max(255).nullish(),
});

/** Validates and stores a status posted through the API. */
export async function postStatus(
  db: Db,
  repo: RepoRow,
  sha: string,
  body: z.output<typeof statusRequest>,
  creatorId: string,
): Promise<StatusRow> {
  const s = sha.toLowerCase();
  if (!SHA.test(s)) throw AppError.invalid('sha must be a full commit id', 'sha_invalid');
  return insertStatus(db, {
    repoId: repo.id,
    sha: s,
    state: body.state,
    context: body.context || 'default',
    description: body.description ?? null,
    targetUrl: body.target_url ?? null,
    creatorId,
  });
}

/** The commit status a run's state maps to. */
export function stateOfConclusion(c: Conclusion | null): StatusState {
  if (c === null) return 'pending';
  if (c === 'success' || c === 'skipped') return 'success';
  if (c === 'failure' || c === 'timed_out') return 'failure';
  return 'error';
}

const DESCRIPTIONS: Record<string, string> = {
  queued: 'Queued',
  running: 'Running',
  success: 'Succeeded',
  failure: 'Failed',
  timed_out: 'Timed out',
  cancelled: 'Cancelled',
  skipped: 'Skipped',
};

/** Posts the status of a run on its head commit. */
export async function postRunStatus(
  db: Db,
  run: {
    id: string;
    repo_id: string;
    head_sha: string;
    workflow_name: string;
    actor_id?: string | null;
  },
  repoFullName: string,
  origin: string | undefined,
  phase: 'queued' | 'running' | Conclusion,
  description?: string,
): Promise<void> {
  const conclusion = phase === 'queued' || phase === 'running' ? null : phase;
  const context = `plue/${run.workflow_name}`.slice(0, 255);
  // Outside a request (the cron sweep) the origin comes from the run's earlier status.
  const base =
    origin ??
    (await latestStatuses(db, run.repo_id, run.head_sha))
      .find((s) => s.context === context)
      ?.target_url?.replace(/\/[^/]+\/[^/]+\/actions\/runs\/\d+$/, '') ??
    '';
  await addStatus(db, {
    repoId: run.repo_id,
    sha: run.head_sha,
    state: stateOfConclusion(conclusion),
    context,
    description: (description ?? DESCRIPTIONS[phase] ?? phase).slice(0, 1000),
    targetUrl: `${base}/${repoFullName}/actions/runs/${run.id}`,
    creatorId: run.actor_id ?? null,
  });
}

/**
 * A full commit id as is, else the commit that a branch, a tag (annotated ones peeled), HEAD or an
 * abbreviated commit id names, as the browse pages resolve them (statuses are keyed by commit).
 */
export async function shaOfRef(env: Env, repo: RepoRow, ref: string): Promise<string> {
  const lower = ref.toLowerCase();
  if (SHA.test(lower)) return lower;
  const b = await openBrowseRepo(env, repo);
  return (await resolveRef(b.reader, b.state, ref, (p) => b.findPrefix(p))).commit;
}

/**
 * A commit's newest status per context and their combined state, for an actor who may read the
 * repository (others get the repository's not-found). `sha` must be a full commit id.
 */
export async function commitStatusesForViewer(
  db: Db,
  actor: Actor,
  owner: string,
  name: string,
  sha: string,
): Promise<{ repo: RepoRow; state: StatusState; latest: StatusRow[] }> {
  const repo = await loadRepoForAction(db, actor, owner, name, 'read');
  const s = sha.toLowerCase();
  if (!SHA.test(s)) throw AppError.notFound('Not a full commit id', 'commit_not_found');
  const latest = await latestStatuses(db, repo.id, s);
  return { repo, state: combinedState(latest), latest };
}
