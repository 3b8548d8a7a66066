/**
 * What the git services need to serve one repository: its identity, the object store, its
 * RepoObject (refs and pack catalog) and limits. Built by the route after authorisation.
 */
import type {
  PackRecord,
  PushOutcome,
  PushRequest,
  RepoState,
} from '../../../durable-objects/formats';
import type { ObjectStore } from '../../git/storage/object-store';
import { RepoObjects } from '../../git/storage/repo-objects';
import type { Env } from '../../env';
import { r2ObjectStore } from '../../git/storage/object-store';

export interface RefsClient {
  state(defaultBranch: string): Promise<RepoState>;
  push(req: PushRequest): Promise<PushOutcome>;
  replacePacks(
    remove: string[],
    add: PackRecord | PackRecord[],
    exactAtGen?: number,
    expired?: string[],
  ): Promise<boolean>;
  claimCompaction(ttlMs: number): Promise<boolean>;
  releaseCompaction(): Promise<void>;
  cruftPacks(): Promise<Record<string, number>>;
}

export interface GitRepoContext {
  repo: { id: string; fullName: string; defaultBranch: string };
  store: ObjectStore;
  refs: RefsClient;
  limits: { maxPackBytes: number; maxObjectBytes: number };
  /** How long objects that no ref reaches stay readable by id before compaction drops them. */
  unreachableGraceMs: number;
}

/** Default grace for unreachable objects: git's gc.pruneExpire (two weeks). */
export const DEFAULT_UNREACHABLE_GRACE_MS = 14 * 24 * 3600_000;

const MiB = 1024 * 1024;

/** The repository's RepoObject (refs, pack catalog, retired packs). */
export function repoStub(env: Env, repoId: string) {
  return env.REPO.get(env.REPO.idFromName(`repo:${repoId}`));
}

function graceMs(value: string | undefined): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== '' && Number.isFinite(n) && n >= 0
    ? n
    : DEFAULT_UNREACHABLE_GRACE_MS;
}

/** Builds the context from the Worker's bindings and configuration. */
export function gitRepoContext(
  env: Env,
  repo: { id: string; fullName: string; defaultBranch: string },
): GitRepoContext {
  return {
    repo,
    store: r2ObjectStore(env.BLOBS),
    refs: repoStub(env, repo.id) as unknown as RefsClient,
    limits: {
      maxPackBytes: Number(env.GIT_MAX_PUSH_MB ?? 2048) * MiB,
      maxObjectBytes: Number(env.GIT_MAX_OBJECT_MB ?? 100) * MiB,
    },
    unreachableGraceMs: graceMs(env.PLUE_UNREACHABLE_GRACE_MS),
  };
}

/** Opens the repository's objects as of `state`. */
export function openObjects(ctx: GitRepoContext, state: RepoState): Promise<RepoObjects> {
  return RepoObjects.open(ctx.store, state.packs);
}
