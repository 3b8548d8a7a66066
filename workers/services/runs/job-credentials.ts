/**
 * What the runner controller reads a repository with: never its own credential, only the token
 * of the job it holds, for that job's repository alone.
 * - A run: git's HTTP Basic `run-<id>:<run token>` (the token claimRun handed out, rotated at
 *   each claim), valid while the run is running under that lease.
 * - A claimed event (evaluating the workflows at its commit): `event-<id>:<event token>`, where
 *   the token is the Worker's signature of the event id and its lease epoch
 *   (worker-signing.ts), handed out with the claim and valid while that claim holds, and for
 *   EVENT_TOKEN_GRACE_MS after the event was reported (its evaluation done): the controller
 *   reports at once and fetches the commit for the runs meanwhile. That is no more than holding
 *   the claim (up to its lease) would give; a failed event's token dies at once.
 * Both read only (upload-pack) and only the job's repository; anything else is "not found".
 * So a controller credential read alone opens no repository, and a run's token opens no other.
 */
import type { Db } from '../../../db/client';
import { findRunById } from '../../../db/queries/runs';
import { findEvent } from '../../../db/queries/workflow-events';
import { findRepo, type RepoRow } from '../../../db/queries/repositories';
import { findRedirectedRepo } from '../../../db/queries/redirects';
import type { Env } from '../../env';
import { AppError } from '../../../common/errors';
import { constantTimeEqual, sha256Hex } from '../identity/secrets';
import { macOf, macValid } from '../identity/worker-signing';
import { plausibleRepoName, type Action } from '../repos/authz';

export const EVENT_TOKEN_PREFIX = 'plue_evt_';
/** How long an event's token still reads its repository after the event was reported. */
export const EVENT_TOKEN_GRACE_MS = 60_000;

/** The job a token belongs to, and the repository it may read. */
export interface JobScope {
  kind: 'run' | 'event';
  id: string;
  repoId: string;
}

/** A job credential as presented: HTTP Basic `run-<id>` or `event-<id>` with its token. */
export interface JobCredential {
  kind: 'run' | 'event';
  id: string;
  token: string;
}

/** The job credential in an Authorization header, if it is one (else the caller goes on). */
export function jobCredentialOf(header: string | undefined): JobCredential | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!scheme || !value || !/^basic$/i.test(scheme)) return undefined;
  let decoded: string;
  try {
    decoded = atob(value);
  } catch {
    return undefined;
  }
  const m = /^(run|event)-([1-9]\d{0,17}):(.+)$/s.exec(decoded);
  if (!m) return undefined;
  return { kind: m[1] as 'run' | 'event', id: m[2] as string, token: m[3] as string };
}

const eventTokenText = (id: string, epoch: string): string => `event:${id}:${epoch}`;

/** The checkout token of event `id` under lease epoch `epoch` (handed out with the claim). */
export async function eventCheckoutToken(env: Env, id: string, epoch: string): Promise<string> {
  return EVENT_TOKEN_PREFIX + (await macOf(env, 'event-token', eventTokenText(id, epoch)));
}

/** The scope of a presented job credential while its job holds it, or undefined. */
export async function jobScopeOf(
  db: Db,
  env: Env,
  cred: JobCredential,
  now: Date,
): Promise<JobScope | undefined> {
  const live = (expires: Date | null): boolean =>
    expires !== null && new Date(expires).getTime() > now.getTime();
  if (cred.token.length > 200) return undefined;
  if (cred.kind === 'run') {
    const run = await findRunById(db, cred.id);
    if (!run || run.status !== 'running' || !live(run.lease_expires_at)) return undefined;
    if (!constantTimeEqual(sha256Hex(cred.token), run.token_hash)) return undefined;
    return { kind: 'run', id: run.id, repoId: run.repo_id };
  }
  if (!cred.token.startsWith(EVENT_TOKEN_PREFIX)) return undefined;
  const event = await findEvent(db, cred.id);
  const held = event?.status === 'claimed' && live(event.lease_expires_at);
  const reported =
    event?.status === 'done' &&
    now.getTime() - new Date(event.updated_at).getTime() < EVENT_TOKEN_GRACE_MS;
  if (!event || !(held || reported)) return undefined;
  const mac = cred.token.slice(EVENT_TOKEN_PREFIX.length);
  if (!(await macValid(env, 'event-token', eventTokenText(event.id, event.lease_epoch), mac))) {
    return undefined;
  }
  return { kind: 'event', id: event.id, repoId: event.repo_id };
}

/**
 * The repository `owner/name` (or the one an old name leads to) when it is the job's own and the
 * action is a read; "not found" otherwise, as for any repository one may not see.
 */
export async function loadRepoForJob(
  db: Db,
  job: JobScope,
  owner: string,
  name: string,
  action: Action,
): Promise<RepoRow> {
  const notFound = AppError.notFound('Repository not found', 'repo_not_found');
  if (!plausibleRepoName(owner, name)) throw notFound;
  const repo = (await findRepo(db, owner, name)) ?? (await findRedirectedRepo(db, owner, name));
  if (!repo || repo.id !== job.repoId) throw notFound;
  if (action !== 'read') {
    throw AppError.forbidden(`A ${job.kind} token only reads its repository`, 'job_read_only');
  }
  return repo;
}
