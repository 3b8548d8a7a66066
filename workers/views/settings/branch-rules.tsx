/**
 * Branch protection on the repository settings page: the "Branches" section (the rules, each
 * with a one-line summary, an edit link and a delete button, then a form to add one) and the
 * page that edits one rule. Plain forms, posted with the same-origin check like every setting.
 */
import type { CurrentUser } from '../../env';
import type { ProtectionRule } from '../../services/repos/branch-protection';
import { RepoPage, type RepoRef } from '../browse/common';

/** What the rule asks for, in a few words. */
export function ruleSummary(r: ProtectionRule): string {
  const parts: string[] = [];
  if (r.requiredApprovals > 0)
    parts.push(`${r.requiredApprovals} approval${r.requiredApprovals === 1 ? '' : 's'}`);
  if (r.requireLastPushApproval) parts.push('approval by someone other than the last pusher');
  if (r.dismissStaleApprovals) parts.push('stale approvals dismissed');
  if (r.requiredContexts && r.requiredContexts.length > 0)
    parts.push(`checks: ${r.requiredContexts.join(', ')}`);
  parts.push(
    r.pushers === undefined
      ? 'anyone with write access pushes'
      : `only ${r.pushers.map((p) => p.login).join(', ') || 'nobody'} push${r.pushers.length === 1 ? 'es' : ''}`,
  );
  parts.push(r.allowForcePushes ? 'force pushes allowed' : 'no force pushes');
  parts.push(r.allowDeletions ? 'deletion allowed' : 'no deletion');
  if (!r.enforceAdmins) parts.push('administrators exempt');
  return parts.join(' · ');
}

const editHref = (base: string, pattern: string) =>
  `${base}/branches?pattern=${encodeURIComponent(pattern)}`;

export function BranchRulesSection(p: { rules: ProtectionRule[]; base: string }) {
  return (
    <section aria-labelledby="branches">
      <h2 id="branches">Branches</h2>
      <p class="muted">
        Protected branches refuse deletion and force pushes, can be limited to some pushers, and can
        require changes to arrive through a landing request with approvals and passing checks. Where
        several rules match a branch, the most specific one applies.
      </p>
      <table>
        <thead>
          <tr>
            <th>Pattern</th>
            <th>Rule</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {p.rules.length === 0 ? (
            <tr>
              <td colspan={3} class="muted">
                No branch is protected. Add a rule below (e.g. <code>main</code> or{' '}
                <code>release/*</code>).
              </td>
            </tr>
          ) : (
            p.rules.map((r) => (
              <tr>
                <td>
                  <code>{r.pattern}</code>
                </td>
                <td>{ruleSummary(r)}</td>
                <td>
                  <a href={editHref(p.base, r.pattern)}>Edit</a>{' '}
                  <form method="post" action={`${p.base}/branches/delete`} class="inline">
                    <input type="hidden" name="pattern" value={r.pattern} />
                    <button type="submit" class="danger">
                      Delete rule {r.pattern}
                    </button>
                  </form>
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <h3>Add a rule</h3>
      <RuleForm base={p.base} />
    </section>
  );
}

function Check(p: { id: string; name: string; checked: boolean; label: string }) {
  return (
    <p>
      <input type="checkbox" id={p.id} name={p.name} value="on" checked={p.checked} />{' '}
      <label for={p.id}>{p.label}</label>
    </p>
  );
}

/** The form of one rule: empty to add one, filled to edit `rule`. */
export function RuleForm(p: { base: string; rule?: ProtectionRule | undefined; pattern?: string }) {
  const r = p.rule;
  const id = (s: string) => `${r ? 'edit' : 'new'}-rule-${s}`;
  return (
    <form method="post" action={`${p.base}/branches`}>
      {r ? <input type="hidden" name="original" value={r.pattern} /> : null}
      <p>
        <label for={id('pattern')}>Branch name pattern</label>{' '}
        <input
          id={id('pattern')}
          name="pattern"
          class="mono"
          required
          maxlength={255}
          placeholder="main or release/*"
          value={r?.pattern ?? p.pattern ?? ''}
        />
      </p>
      <p>
        <label for={id('approvals')}>Approving reviews required to land</label>{' '}
        <input
          id={id('approvals')}
          name="required_approvals"
          type="number"
          min={0}
          max={10}
          value={String(r?.requiredApprovals ?? 0)}
        />{' '}
        <span class="muted">
          (above 0, direct pushes are refused: changes go through a landing request)
        </span>
      </p>
      <Check
        id={id('last-push')}
        name="require_last_push_approval"
        checked={r?.requireLastPushApproval ?? false}
        label="Require approval from someone other than the last pusher"
      />
      <Check
        id={id('stale')}
        name="dismiss_stale_approvals"
        checked={r?.dismissStaleApprovals ?? false}
        label="Dismiss stale approvals when a new revision is pushed"
      />
      <p>
        <label for={id('contexts')}>Required status checks</label>{' '}
        <input
          id={id('contexts')}
          name="required_contexts"
          class="mono"
          size={40}
          placeholder="ci/test, lint"
          value={(r?.requiredContexts ?? []).join(', ')}
        />{' '}
        <span class="muted">(comma-separated contexts that must pass)</span>
      </p>
      <Check
        id={id('restrict')}
        name="restrict_pushes"
        checked={r?.pushers !== undefined}
        label="Restrict who may push"
      />
      <p>
        <label for={id('pushers')}>Users who may push (when restricted)</label>{' '}
        <input
          id={id('pushers')}
          name="pushers"
          class="mono"
          size={40}
          placeholder="alice, bob"
          value={(r?.pushers ?? []).map((u) => u.login).join(', ')}
        />
      </p>
      <Check
        id={id('force')}
        name="allow_force_pushes"
        checked={r?.allowForcePushes ?? false}
        label="Allow force pushes"
      />
      <Check
        id={id('deletions')}
        name="allow_deletions"
        checked={r?.allowDeletions ?? false}
        label="Allow deletion"
      />
      <Check
        id={id('admins')}
        name="enforce_admins"
        checked={r?.enforceAdmins ?? true}
        label="Apply the rule to administrators too"
      />
      <button type="submit" class="primary">
        {r ? 'Save rule' : 'Add rule'}
      </button>
    </form>
  );
}

/** The page that edits one rule (or adds the rule a link named). */
export function BranchRulePage(p: {
  user: CurrentUser;
  repo: RepoRef;
  rule: ProtectionRule | undefined;
  pattern: string;
  error?: string | undefined;
}) {
  const base = `/${encodeURIComponent(p.repo.owner)}/${encodeURIComponent(p.repo.name)}/settings`;
  const title = p.rule ? `Branch rule ${p.rule.pattern}` : 'New branch rule';
  return (
    <RepoPage
      title={`${title} · ${p.repo.owner}/${p.repo.name}`}
      user={p.user}
      repo={p.repo}
      tab="settings"
    >
      <p>
        <a href={`${base}#branches`}>← Settings</a>
      </p>
      <h2>{title}</h2>
      {p.error ? (
        <p class="error-box" role="alert">
          ✗ {p.error}
        </p>
      ) : null}
      <RuleForm base={base} rule={p.rule} pattern={p.pattern} />
    </RepoPage>
  );
}
