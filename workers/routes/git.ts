/**
 * git smart HTTP: `GET /{owner}/{repo}(.git)/info/refs?service=…`, `POST …/git-upload-pack`,
 * `POST …/git-receive-pack`. Handlers authenticate (token as Basic password, session, the SSH
 * bridge for the user of its ticket, or a run's or claimed event's token for its own repository),
 * authorise through the one authorisation service, and hand the stream to the git services. Errors become plain-text git answers in middleware/common/errors.ts.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env';
import { AppError } from '../../common/errors';
import { loadRepoForAction, REPO_GRANT_HEADER, repoFromGrant } from '../services/repos/authz';
import { edgeCache } from '../services/cache/cache';
import { loadRepoForJob } from '../services/runs/job-credentials';
import { advertiseReceivePack, advertiseUploadPackV2 } from '../services/git/advertise';
import { onPushed, recordPush } from '../services/git/after-push';
import { compactIfNeeded } from '../services/git/compaction';
import { receivePack } from '../services/git/receive-pack';
import { protectionGuard } from '../services/git/receive-protection';
import { protectionRules } from '../services/repos/branch-protection-store';
import { gitRepoContext } from '../services/git/repo-context';
import { decodedBody, readLimited } from '../services/git/request-body';
import { parseV2Request, uploadPack } from '../services/git/upload-pack';
import { uploadPackV0, uploadPackV0Advertisement } from '../services/git/upload-pack-v0';
import { parseUploadPackV0Request } from '../services/git/upload-pack-v0-request';
import { errorFields } from '../../common/log';
import { landingReviewHook } from '../services/landings/push-review';
import { openDb } from '../services/platform/database';
import { publicOrigin } from '../services/platform/public-url';
import { VERSION } from '../version';

const AGENT = `plue/${VERSION}`;
const MAX_UPLOAD_REQUEST = 16 * 1024 * 1024;

function repoName(raw: string): string {
  return raw.endsWith('.git') ? raw.slice(0, -4) : raw;
}

async function openRepo(c: Context<AppEnv>, action: 'read' | 'write') {
  const owner = c.req.param('owner') ?? '';
  const name = repoName(c.req.param('repo') ?? '');
  const actor = { user: c.var.user, scopes: c.var.auth.scopes };
  try {
    const ctx = c.executionCtx;
    const cache = edgeCache((p) => ctx.waitUntil(p), c.var.memory);
    // The SSH bridge authorises a git command once and carries the signed answer through its
    // requests (services/repos/authz.ts), so they need no database read.
    const job = c.var.auth.job;
    if (c.var.auth.kind === 'job' && job !== undefined) {
      const row = await loadRepoForJob(c.var.db, job, owner, name, action);
      return gitRepoContext(c.env, {
        id: row.id,
        fullName: `${row.owner_login}/${row.name}`,
        defaultBranch: row.default_branch,
      });
    }
    const granted =
      c.var.auth.kind === 'ssh'
        ? await repoFromGrant(
            c.env,
            c.req.header(REPO_GRANT_HEADER),
            actor,
            owner,
            name,
            action,
            new Date(),
          )
        : undefined;
    // An old name (a rename or transfer) serves the repository it leads to, as GitHub does.
    const repo =
      granted ??
      (await loadRepoForAction(c.var.db, actor, owner, name, action, cache, { follow: true }));
    return gitRepoContext(c.env, {
      id: repo.id,
      fullName: `${repo.owner_login}/${repo.name}`,
      defaultBranch: repo.default_branch,
    });
  } catch (err) {
    // Anonymous git clients are asked for credentials instead of told "not found", so a user
    // with access gets a password prompt; strangers learn nothing either way.
    if (err instanceof AppError && err.kind === 'not_found' && c.var.auth.kind === 'anonymous') {
      throw AppError.unauthenticated('Authentication required', 'auth_required');
    }
    throw err;
  }
}

/** The protocol version the client asked for in `Git-Protocol` (v0 when it asked for none). */
function protocolVersion(c: Context<AppEnv>): 0 | 1 | 2 {
  const keys = (c.req.header('git-protocol') ?? '').split(':');
  if (keys.includes('version=2')) return 2;
  return keys.includes('version=1') ? 1 : 0;
}

function gitResponse(body: BodyInit, type: string): Response {
  return new Response(body, {
    headers: { 'Content-Type': type, 'Cache-Control': 'no-cache, max-age=0, must-revalidate' },
  });
}

export const gitRoutes = new Hono<AppEnv>()
  .get('/:owner/:repo/info/refs', async (c) => {
    const service = c.req.query('service');
    if (service === 'git-upload-pack') {
      const ctx = await openRepo(c, 'read');
      const version = protocolVersion(c);
      if (version !== 2) {
        const adv = await uploadPackV0Advertisement(ctx, {
          agent: AGENT,
          http: true,
          // The SSH bridge carries a stateful session, whose clients never use no-done.
          noDone: c.var.auth.kind !== 'ssh',
          version1: version === 1,
        });
        return gitResponse(adv, 'application/x-git-upload-pack-advertisement');
      }
      return gitResponse(
        advertiseUploadPackV2(AGENT),
        'application/x-git-upload-pack-advertisement',
      );
    }
    if (service === 'git-receive-pack') {
      const ctx = await openRepo(c, 'write');
      const state = await ctx.refs.state(ctx.repo.defaultBranch);
      return gitResponse(
        advertiseReceivePack(state, AGENT),
        'application/x-git-receive-pack-advertisement',
      );
    }
    throw AppError.forbidden(
      'Plue serves git over the smart HTTP protocol only (service=git-upload-pack or git-receive-pack)',
    );
  })
  .post('/:owner/:repo/git-upload-pack', async (c) => {
    const ctx = await openRepo(c, 'read');
    const body = await readLimited(decodedBody(c.req.raw), MAX_UPLOAD_REQUEST);
    const log = c.var.log;
    const onError = (e: unknown): void => log.error('upload-pack failed', errorFields(e));
    // A fetch served from inexact packs schedules the repack that lets later clones stream them.
    const exec = c.executionCtx;
    const onInexact = (): void =>
      exec.waitUntil(
        compactIfNeeded(ctx, log).catch((e: unknown) =>
          log.error('compaction failed', errorFields(e)),
        ),
      );
    if (protocolVersion(c) !== 2) {
      // v0 and v1 requests are the same (v1 differs only in its advertisement).
      const request = parseUploadPackV0Request(body);
      if (!request) return gitResponse(new Uint8Array(0), 'application/x-git-upload-pack-result');
      return gitResponse(
        uploadPackV0(ctx, request, onError, onInexact),
        'application/x-git-upload-pack-result',
      );
    }
    const request = parseV2Request(body);
    if (!request) return gitResponse(new Uint8Array(0), 'application/x-git-upload-pack-result');
    const stream = uploadPack(ctx, request, onError, onInexact);
    return gitResponse(stream, 'application/x-git-upload-pack-result');
  })
  .post('/:owner/:repo/git-receive-pack', async (c) => {
    const ctx = await openRepo(c, 'write');
    const log = c.var.log;
    const env = c.env;
    const actorId = c.var.user?.id;
    const exec = c.executionCtx;
    const cache = edgeCache((p) => exec.waitUntil(p), c.var.memory);
    // Branch protection rules are read once per push, before the pack arrives (the request's
    // database handle may be gone by the time the commands are judged); the landing hooks (stale
    // approvals on a new revision) use the same list.
    const rules = await protectionRules(c.var.db, ctx.repo.id);
    const guard = await protectionGuard(c.var.db, ctx.repo.id, c.var.user, rules);
    const [owner = '', name = ''] = ctx.repo.fullName.split('/');
    // `refs/for/<branch>` opens or revises landing requests (services/landings/push-review.ts).
    const review =
      actorId === undefined
        ? undefined
        : landingReviewHook({
            openDb: () => openDb(env),
            repo: { id: ctx.repo.id, owner, name },
            pusherId: actorId,
            origin: publicOrigin(env),
            now: () => new Date(),
            rules,
          });
    const push = receivePack(ctx, decodedBody(c.req.raw), {
      guard,
      onError: (e) => log.error('receive-pack failed', errorFields(e)),
      onRefsMoved: (refs, head) => recordPush(env, ctx, { refs, head, actorId, rules }, log),
      onPushed: (refs, head) =>
        onPushed(env, ctx, cache, { refs, head, actorId, rules }, log, { recorded: true }),
      ...(review ? { review } : {}),
    });
    c.executionCtx.waitUntil(push.done);
    return gitResponse(push.body, 'application/x-git-receive-pack-result');
  });
