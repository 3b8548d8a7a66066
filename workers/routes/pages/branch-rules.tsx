/**
 * Branch protection rules from the settings page (administrators only, like every setting):
 * `GET /{owner}/{repo}/settings/branches?pattern=` edits a rule (or starts a new one),
 * `POST …/settings/branches` saves one (renaming it when its pattern changed) and
 * `POST …/settings/branches/delete` deletes one. The form becomes the API's request body, so
 * both go through the same checks.
 */
import { repoRefOf } from '../../views/issues/parts';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv, CurrentUser } from '../../env';
import { AppError } from '../../../common/errors';
import { loadRepoForAction, requireUser } from '../../services/repos/authz';
import {
  checkPattern,
  protectionRequest,
  protectionRules,
  putProtection,
  removeProtection,
} from '../../services/repos/branch-protection-store';
import type { RepoRow } from '../../services/repos/repo-lookup';
import { BranchRulePage } from '../../views/settings/branch-rules';
import { actorOf } from '../api/request';
import { formInput, formText, parseInput } from '../input';
import { settingsAction } from './repo-settings';

const checkbox = formText.optional().transform((v) => v === 'on');
const list = (s: string): string[] =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

const ruleForm = z.object({
  pattern: formText.default(''),
  original: formText.optional(),
  required_approvals: formText
    .default('0')
    .pipe(z.string().regex(/^\s*\d{1,2}\s*$/, 'must be a number from 0 to 10'))
    .transform((s) => Number(s)),
  require_last_push_approval: checkbox,
  dismiss_stale_approvals: checkbox,
  required_contexts: formText.default(''),
  restrict_pushes: checkbox,
  pushers: formText.default(''),
  allow_force_pushes: checkbox,
  allow_deletions: checkbox,
  enforce_admins: checkbox,
});

/** The form as the API's body (the same validation applies to both). */
function requestOf(f: z.output<typeof ruleForm>) {
  const contexts = list(f.required_contexts);
  return parseInput(protectionRequest, {
    required_status_checks: contexts.length > 0 ? { strict: false, contexts } : null,
    enforce_admins: f.enforce_admins,
    required_pull_request_reviews:
      f.required_approvals > 0 || f.require_last_push_approval || f.dismiss_stale_approvals
        ? {
            required_approving_review_count: f.required_approvals,
            require_last_push_approval: f.require_last_push_approval,
            dismiss_stale_reviews: f.dismiss_stale_approvals,
          }
        : null,
    // Names typed in restrict pushing even when the box was left unticked.
    restrictions:
      f.restrict_pushes || list(f.pushers).length > 0
        ? { users: list(f.pushers), teams: [], apps: [] }
        : null,
    allow_force_pushes: f.allow_force_pushes,
    allow_deletions: f.allow_deletions,
  });
}

async function rulePage(
  c: Context<AppEnv>,
  row: RepoRow,
  user: CurrentUser,
  pattern: string,
  error?: string,
  status: 200 | 400 | 404 = 200,
) {
  const rules = await protectionRules(c.var.db, row.id);
  c.header('Cache-Control', 'no-store');
  const repo = { ...repoRefOf(row), description: row.description, admin: true };
  return c.html(
    <BranchRulePage
      user={user}
      repo={repo}
      rule={rules.find((r) => r.pattern === pattern)}
      pattern={pattern}
      error={error}
    />,
    status,
  );
}

const BASE = '/:owner/:repo/settings/branches';

export const branchRuleRoutes = new Hono<AppEnv>()
  .get(BASE, async (c) => {
    const { owner, repo } = c.req.param();
    const actor = actorOf(c);
    const row = await loadRepoForAction(c.var.db, actor, owner, repo, 'admin');
    requireUser(actor, 'admin');
    const user = c.var.user as CurrentUser; // set whenever requireUser passed
    return rulePage(c, row, user, (c.req.query('pattern') ?? '').slice(0, 255));
  })
  .post(BASE, (c) => {
    let pattern = '';
    return settingsAction(
      c,
      async (row) => {
        const form = await formInput(c, ruleForm);
        pattern = form.pattern;
        const rule = await putProtection(c.var.db, row, form.pattern, requestOf(form), new Date());
        const original = form.original === undefined ? undefined : checkPattern(form.original);
        if (original !== undefined && original !== rule.pattern) {
          await removeProtection(c.var.db, row, original).catch((e: unknown) => {
            if (!(e instanceof AppError && e.kind === 'not_found')) throw e;
          });
        }
        return { notice: `Branch rule ${rule.pattern} saved.` };
      },
      (row, user, err) => rulePage(c, row, user, pattern, err.message, err.status as 400 | 404),
    );
  })
  .post(`${BASE}/delete`, (c) =>
    settingsAction(c, async (row) => {
      const form = await formInput(c, z.object({ pattern: formText.default('') }));
      await removeProtection(c.var.db, row, form.pattern);
      return { notice: `Branch rule ${form.pattern.trim()} deleted.` };
    }),
  );
