/**
 * `/{owner}/{repo}/settings` (admins only; others get what the authorisation rules answer: 404
 * for a private repository they cannot see, 403 or 401 otherwise) and its form posts. Each post
 * authorises, calls the same service as the API, and redirects (303) with a one-time flash; a
 * form the user got wrong re-renders the page with the message. Rename, transfer and delete need
 * the name typed out. After a transfer or delete the user lands on their profile.
 */
import { repoRefOf } from '../../views/issues/parts';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { RepoRow } from '../../services/repos/repo-lookup';
import type { AppEnv, CurrentUser } from '../../env';
import { AppError } from '../../../common/errors';
import { edgeCache, type EdgeCache } from '../../services/cache/cache';
import { loadRepoForAction, requireUser } from '../../services/repos/authz';
import {
  collaboratorsOf,
  removeCollaborator,
  setCollaborator,
} from '../../services/repos/collaborators';
import { branchesOf, repoDeleted, repoUpdated } from '../../services/repos/repo-storage';
import { deleteRepoRecord, transferRepoRecord, updateRepoRecord } from '../../services/repos/repos';
import { repoAccessChanged, repoViewersGone } from '../../services/runs/run-viewer-access';
import { listedSecrets, putSecret, removeSecret } from '../../services/workflows/workflow-secrets';
import { protectionRules } from '../../services/repos/branch-protection-store';
import { RepoSettingsPage } from '../../views/repo-settings-page';
import { actorOf } from '../api/request';
import { formInput, formText } from '../input';
import { redirectWithFlash, takeFlash } from './flash';

const settingsPath = (r: { owner_login: string; name: string }): string =>
  `/${encodeURIComponent(r.owner_login)}/${encodeURIComponent(r.name)}/settings`;

function cacheOf(c: Context<AppEnv>): EdgeCache {
  return edgeCache((p) => c.executionCtx.waitUntil(p), c.var.memory);
}

async function render(
  c: Context<AppEnv>,
  user: CurrentUser,
  row: RepoRow,
  extra: { error?: string | undefined; notice?: string | undefined },
  status: 200 | 400 | 404 | 409 | 413 = 200,
) {
  const actor = actorOf(c);
  const [branches, collaborators, secrets, rules] = await Promise.all([
    branchesOf(c.env, row),
    collaboratorsOf(c.var.db, actor, row.owner_login, row.name),
    listedSecrets(c.var.db, row.id),
    protectionRules(c.var.db, row.id),
  ]);
  c.header('Cache-Control', 'no-store');
  const repo = { ...repoRefOf(row), description: row.description, admin: true };
  return c.html(
    <RepoSettingsPage
      user={user}
      repo={repo}
      defaultBranch={row.default_branch}
      branches={branches}
      collaborators={collaborators}
      secrets={secrets}
      rules={rules}
      {...extra}
    />,
    status,
  );
}

/** Where a successful form goes, and what it says there. */
interface Done {
  notice: string;
  /** Default: the settings page of the repository as it now is. */
  to?: string;
  row?: RepoRow;
}

/**
 * Authorises admin on `:owner/:repo`, runs `action`, and redirects with a flash; user errors
 * re-render the page (with the status the API would answer), or answer `onError` when given.
 */
export async function settingsAction(
  c: Context<AppEnv>,
  action: (row: RepoRow, user: CurrentUser) => Promise<Done>,
  onError?: (row: RepoRow, user: CurrentUser, err: AppError) => Response | Promise<Response>,
) {
  const actor = actorOf(c);
  const { owner, repo } = c.req.param() as { owner: string; repo: string };
  const row = await loadRepoForAction(c.var.db, actor, owner, repo, 'admin');
  requireUser(actor, 'admin');
  const user = c.var.user as CurrentUser; // set whenever requireUser passed
  try {
    const done = await action(row, user);
    const to = done.to ?? settingsPath(done.row ?? row);
    const redirected = await redirectWithFlash(c, to, { notice: done.notice });
    return redirected ?? c.redirect(to, 303);
  } catch (err) {
    const kinds = ['invalid', 'conflict', 'not_found', 'too_large'];
    if (err instanceof AppError && kinds.includes(err.kind)) {
      if (onError) return onError(row, user, err);
      return render(c, user, row, { error: err.message }, err.status as 400 | 404 | 409 | 413);
    }
    throw err;
  }
}

/** The typed confirmation of a destructive form must match `expected` exactly. */
function confirmed(typed: string, expected: string): void {
  if (typed !== expected) {
    throw AppError.invalid(`Type ${expected} exactly to confirm`, 'confirm_mismatch');
  }
}

const generalForm = z.object({
  description: formText.max(1000).default(''),
  default_branch: formText.optional(),
});
const visibilityForm = z.object({
  visibility: z.enum(['public', 'private']),
  confirm: formText.default(''),
});
const collaboratorForm = z.object({
  login: formText.default(''),
  permission: z.enum(['read', 'write', 'admin']).default('write'),
});
const secretForm = z.object({ name: formText.default(''), value: formText.default('') });
const renameForm = z.object({ new_name: formText.default(''), confirm: formText.default('') });
const transferForm = z.object({ new_owner: formText.default(''), confirm: formText.default('') });
const deleteForm = z.object({ confirm: formText.default('') });

const BASE = '/:owner/:repo/settings';

export const repoSettingsRoutes = new Hono<AppEnv>()
  .get(BASE, async (c) => {
    const { owner, repo } = c.req.param();
    const actor = actorOf(c);
    const row = await loadRepoForAction(c.var.db, actor, owner, repo, 'admin');
    requireUser(actor, 'admin');
    const user = c.var.user as CurrentUser; // set whenever requireUser passed
    return render(c, user, row, await takeFlash(c, settingsPath(row)));
  })
  .post(`${BASE}/general`, (c) =>
    settingsAction(c, async (row) => {
      const body = await formInput(c, generalForm);
      const updated = await updateRepoRecord(
        c.var.db,
        actorOf(c),
        row.owner_login,
        row.name,
        { description: body.description, default_branch: body.default_branch },
        new Date(),
        (r) => branchesOf(c.env, r),
      );
      await repoUpdated(c.env, cacheOf(c), row.owner_login, row.name, updated);
      return { notice: 'Settings saved.', row: updated };
    }),
  )
  .post(`${BASE}/visibility`, (c) =>
    settingsAction(c, async (row) => {
      const body = await formInput(c, visibilityForm);
      // Publishing shows everything to everyone, and hiding cuts off every reader: typed, like
      // the danger zone.
      confirmed(body.confirm, `${row.owner_login}/${row.name}`);
      const now = new Date();
      const updated = await updateRepoRecord(
        c.var.db,
        actorOf(c),
        row.owner_login,
        row.name,
        { private: body.visibility === 'private' },
        now,
      );
      if (updated.private) await repoAccessChanged(c.env, c.var.db, updated, now);
      await repoUpdated(c.env, cacheOf(c), row.owner_login, row.name, updated);
      return { notice: `The repository is now ${body.visibility}.`, row: updated };
    }),
  )
  .post(`${BASE}/collaborators`, (c) =>
    settingsAction(c, async (row) => {
      const body = await formInput(c, collaboratorForm);
      const login = body.login.trim();
      await setCollaborator(
        c.var.db,
        actorOf(c),
        row.owner_login,
        row.name,
        login,
        body.permission,
      );
      // A lowered permission may end someone's access to live runs.
      await repoAccessChanged(c.env, c.var.db, row, new Date());
      return { notice: `${login} now has ${body.permission} access.` };
    }),
  )
  .post(`${BASE}/collaborators/:user/delete`, (c) =>
    settingsAction(c, async (row) => {
      const login = c.req.param('user');
      await removeCollaborator(c.var.db, actorOf(c), row.owner_login, row.name, login);
      await repoAccessChanged(c.env, c.var.db, row, new Date());
      return { notice: `${login} is no longer a collaborator.` };
    }),
  )
  .post(`${BASE}/secrets`, (c) =>
    settingsAction(c, async (row) => {
      const body = await formInput(c, secretForm);
      const created = await putSecret(c.var.db, c.env, row.id, body.name.trim(), body.value);
      return { notice: `Secret ${body.name.trim()} ${created ? 'added' : 'updated'}.` };
    }),
  )
  .post(`${BASE}/secrets/:name/delete`, (c) =>
    settingsAction(c, async (row) => {
      const name = c.req.param('name');
      await removeSecret(c.var.db, row.id, name);
      return { notice: `Secret ${name} deleted.` };
    }),
  )
  .post(`${BASE}/rename`, (c) =>
    settingsAction(c, async (row) => {
      const body = await formInput(c, renameForm);
      confirmed(body.confirm, row.name);
      const updated = await updateRepoRecord(
        c.var.db,
        actorOf(c),
        row.owner_login,
        row.name,
        { name: body.new_name.trim() },
        new Date(),
      );
      await repoUpdated(c.env, cacheOf(c), row.owner_login, row.name, updated);
      return {
        notice: `Renamed to ${updated.name}. The old name redirects here.`,
        row: updated,
      };
    }),
  )
  .post(`${BASE}/transfer`, (c) =>
    settingsAction(c, async (row, user) => {
      const body = await formInput(c, transferForm);
      confirmed(body.confirm, `${row.owner_login}/${row.name}`);
      const now = new Date();
      const moved = await transferRepoRecord(
        c.var.db,
        actorOf(c),
        row.owner_login,
        row.name,
        { new_owner: body.new_owner.trim() },
        now,
      );
      await repoAccessChanged(c.env, c.var.db, moved, now);
      await repoUpdated(c.env, cacheOf(c), row.owner_login, row.name, moved);
      return {
        notice: `Transferred ${row.owner_login}/${row.name} to ${moved.owner_login}/${moved.name}.`,
        to: `/${encodeURIComponent(user.login)}`,
      };
    }),
  )
  .post(`${BASE}/delete`, (c) =>
    settingsAction(c, async (row, user) => {
      const body = await formInput(c, deleteForm);
      const full = `${row.owner_login}/${row.name}`;
      confirmed(body.confirm, full);
      const { streamingRuns } = await deleteRepoRecord(
        c.var.db,
        actorOf(c),
        row.owner_login,
        row.name,
        new Date(),
      );
      await repoViewersGone(c.env, row.id, streamingRuns);
      c.executionCtx.waitUntil(repoDeleted(c.env, cacheOf(c), row));
      return { notice: `Deleted ${full}.`, to: `/${encodeURIComponent(user.login)}` };
    }),
  );
