/**
 * Branch protection over the API, in GitHub's shapes: `GET/PUT/DELETE
 * /repos/{owner}/{repo}/branches/{branch}/protection` (administrators only; `{branch}` may hold
 * `/` and, for PUT and DELETE, wildcards: it is the rule's pattern) and `GET …/branches/{branch}`
 * with `protected`. GET of a protection answers the rule that governs the branch, which may be a
 * wildcard rule (its `pattern` says which).
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { publicOrigin } from '../../services/platform/public-url';
import { loadRepoForAction } from '../../services/repos/authz';
import { ruleFor } from '../../services/repos/branch-protection';
import {
  governingRule,
  protectionRequest,
  protectionRules,
  protectionView,
  putProtection,
  removeProtection,
} from '../../services/repos/branch-protection-store';
import { openBrowse } from '../pages/browse/context';
import { jsonInput } from '../input';
import { actorOf } from './request';

const BASE = '/repos/:owner/:repo/branches/:branch{.+}';

function branchUrl(c: Context<AppEnv>, owner: string, repo: string, branch: string): string {
  return `${publicOrigin(c.env)}/api/v1/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/branches/${branch
    .split('/')
    .map(encodeURIComponent)
    .join('/')}`;
}

export const branchProtectionRoutes = new Hono<AppEnv>()
  .get(`${BASE}/protection`, async (c) => {
    const { owner, repo, branch } = c.req.param();
    const rule = await governingRule(c.var.db, actorOf(c), owner, repo, branch);
    c.header('Cache-Control', 'private, no-store');
    return c.json(protectionView(rule, `${branchUrl(c, owner, repo, branch)}/protection`));
  })
  .put(`${BASE}/protection`, async (c) => {
    const { owner, repo, branch } = c.req.param();
    const row = await loadRepoForAction(c.var.db, actorOf(c), owner, repo, 'admin');
    const body = await jsonInput(c, protectionRequest);
    const rule = await putProtection(c.var.db, row, branch, body, new Date());
    return c.json(protectionView(rule, `${branchUrl(c, owner, repo, branch)}/protection`));
  })
  .delete(`${BASE}/protection`, async (c) => {
    const { owner, repo, branch } = c.req.param();
    const row = await loadRepoForAction(c.var.db, actorOf(c), owner, repo, 'admin');
    await removeProtection(c.var.db, row, branch);
    return c.body(null, 204);
  })
  .get(BASE, async (c) => {
    const b = await openBrowse(c);
    const name = c.req.param('branch');
    const ref = b.repo.state.refs.find((r) => r.name === `refs/heads/${name}`);
    if (!ref) throw AppError.notFound('Branch not found', 'branch_not_found');
    const rule = ruleFor(await protectionRules(c.var.db, b.repo.row.id), name);
    const url = branchUrl(c, b.ref.owner, b.ref.name, name);
    const api = `${publicOrigin(c.env)}/api/v1/repos/${encodeURIComponent(b.ref.owner)}/${encodeURIComponent(b.ref.name)}`;
    const contexts = rule?.requiredContexts ?? [];
    c.header('Cache-Control', 'private, no-store');
    return c.json({
      name,
      commit: { sha: ref.oid, url: `${api}/commits/${ref.oid}` },
      _links: {
        self: url,
        html: `${publicOrigin(c.env)}/${encodeURIComponent(b.ref.owner)}/${encodeURIComponent(b.ref.name)}/tree/${name}`,
      },
      protected: rule !== undefined,
      protection: {
        enabled: rule !== undefined,
        required_status_checks: {
          enforcement_level:
            contexts.length === 0 ? 'off' : rule?.enforceAdmins ? 'everyone' : 'non_admins',
          contexts,
          checks: contexts.map((context) => ({ context, app_id: null })),
        },
      },
      protection_url: `${url}/protection`,
    });
  });
