/**
 * What an agent step may do on the forge, decided here on the server and never in the sandbox:
 * the caller presents the run's own token (a credential for one running run of one repository)
 * and names its step; the step's prompt file, read from the repository at the run's commit,
 * must list the forge tool in `tools:` (its declared safe outputs). The thread the run may
 * answer is the one whose comment or landing event started it; nothing else is reachable.
 */
import { parse as parseYaml } from 'yaml';
import type { Db } from '../../../db/client';
import { findRepoById, type RepoRow } from '../../../db/queries/repositories';
import type { RunRow } from '../../../db/queries/runs';
import type { EventRow } from '../../../db/queries/workflow-events';
import type { Env } from '../../env';
import { AppError } from '../../../common/errors';
import { entryAt, readBlob, readCommit, splitPath } from '../browse/objects';
import { openBrowseRepo } from '../browse/repo';
import { authorizeProducer } from '../runs/runs';

export const FORGE_TOOLS = ['comment', 'review', 'open_landing_request'] as const;
export type ForgeTool = (typeof FORGE_TOOLS)[number];

export interface ForgeRun {
  run: RunRow;
  repo: RepoRow;
  event: EventRow | undefined;
}

/** The running run the token belongs to, its repository and the event that started it. */
export async function forgeRunOf(
  db: Db,
  runId: string,
  token: string | undefined,
  now: Date,
): Promise<ForgeRun> {
  if (token === undefined) {
    throw AppError.unauthenticated('Pass the run token as a Bearer token', 'run_token_required');
  }
  const run = await authorizeProducer(db, runId, { internal: false, token }, now);
  if (run.status !== 'running') {
    throw AppError.forbidden('The run is not running; its token acts no more', 'run_not_running');
  }
  const repo = await findRepoById(db, run.repo_id);
  if (!repo) throw AppError.notFound('Repository not found', 'repo_not_found');
  const [event] = await db.query<EventRow>(
    `SELECT e.id::text AS id, e.repo_id::text AS repo_id, e.type, e.ref, e.before_sha, e.after_sha,
       e.actor_id::text AS actor_id, e.payload
     FROM workflow_runs r JOIN workflow_events e ON e.id = r.event_id WHERE r.id = $1`,
    [run.id],
  );
  return { run, repo, event };
}

/** The forge tools the prompt file of step `stepId` declares (its `tools:` list). */
export async function declaredForgeTools(
  env: Env,
  f: ForgeRun,
  stepId: string,
): Promise<ForgeTool[]> {
  const plan = f.run.plan as { steps?: Array<{ id?: unknown; type?: unknown; prompt?: unknown }> };
  const step = (plan?.steps ?? []).find((s) => s.id === stepId);
  if (!step || step.type !== 'agent' || typeof step.prompt !== 'string') {
    throw AppError.forbidden(`Step ${stepId} is not an agent step of this run`, 'not_agent_step');
  }
  return forgeToolsDeclaredIn(await fileAt(env, f.repo, f.run.head_sha, step.prompt));
}

/** The forge tools a prompt file's frontmatter lists in `tools:`; none for anything unreadable. */
export function forgeToolsDeclaredIn(text: string | undefined): ForgeTool[] {
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text ?? '');
  let tools: unknown;
  try {
    const fm: unknown = m ? parseYaml(m[1] as string) : undefined;
    tools = fm && typeof fm === 'object' ? (fm as { tools?: unknown }).tools : undefined;
  } catch {
    tools = undefined;
  }
  if (!Array.isArray(tools)) return [];
  return FORGE_TOOLS.filter((t) => (tools as unknown[]).includes(t));
}

/** Refuses unless the step's prompt declares `tool`. */
export async function requireDeclared(
  env: Env,
  f: ForgeRun,
  stepId: string,
  tool: ForgeTool,
): Promise<void> {
  const declared = await declaredForgeTools(env, f, stepId);
  if (!declared.includes(tool)) {
    throw AppError.forbidden(
      `The prompt of step ${stepId} does not declare ${tool} in its tools`,
      'safe_output_undeclared',
    );
  }
}

/** The issue or landing number the run answers: the thread whose event started it. */
export function threadOf(f: ForgeRun): number {
  const p = f.event?.payload ?? {};
  if (f.event?.type === 'issue_comment') {
    const n = (p.issue as { number?: unknown } | undefined)?.number;
    if (typeof n === 'number') return n;
  }
  if (f.event?.type === 'pull_request' && typeof p.number === 'number') return p.number;
  throw AppError.forbidden(
    'This run was not started from an issue or a landing request; it has no thread to answer',
    'run_has_no_thread',
  );
}

async function fileAt(
  env: Env,
  repo: RepoRow,
  sha: string,
  path: string,
): Promise<string | undefined> {
  const b = await openBrowseRepo(env, repo);
  const commit = await readCommit(b.reader, sha);
  const entry = await entryAt(b.reader, commit.tree, splitPath(path));
  if (!entry || entry.kind !== 'blob') return undefined;
  const bytes = await readBlob(b.reader, entry.oid);
  if (bytes.length > 256 * 1024) return undefined;
  return new TextDecoder().decode(bytes);
}
