/**
 * A repository's settings page (admins only): general (description, default branch),
 * visibility, branch protection rules (settings/branch-rules.tsx), collaborators, Actions
 * secrets (names only; values are never shown again) and the danger zone (rename, transfer,
 * delete), each destructive form asking for the repository's name typed out. Plain forms:
 * every action works without JavaScript and answers with a redirect.
 */
import type { CollaboratorRow } from '../../db/queries/repositories';
import type { CurrentUser } from '../env';
import type { ProtectionRule } from '../services/repos/branch-protection';
import { BranchRulesSection } from './settings/branch-rules';
import { RepoPage, type RepoRef } from './browse/common';
import {
  CollaboratorsSection,
  Confirm,
  DangerZone,
  SecretsSection,
} from './repo-settings-sections';

export interface RepoSettingsProps {
  user: CurrentUser;
  repo: RepoRef;
  defaultBranch: string;
  /** The repository's branches; empty before the first push. */
  branches: string[];
  collaborators: CollaboratorRow[];
  secrets: Array<{ name: string; updated_at: Date }>;
  /** Branch protection rules, oldest first. */
  rules: ProtectionRule[];
  error?: string | undefined;
  notice?: string | undefined;
}

export function GeneralSection(p: RepoSettingsProps & { base: string }) {
  return (
    <section aria-labelledby="general">
      <h2 id="general">General</h2>
      <form method="post" action={`${p.base}/general`}>
        <p>
          <label for="description">Description</label>
          <br />
          <input
            id="description"
            name="description"
            size={60}
            maxlength={1000}
            value={p.repo.description ?? ''}
          />
        </p>
        <p>
          <label for="default-branch">Default branch</label>{' '}
          {p.branches.length > 0 ? (
            <select id="default-branch" name="default_branch">
              {p.branches.map((b) => (
                <option value={b} selected={b === p.defaultBranch}>
                  {b}
                </option>
              ))}
            </select>
          ) : (
            <>
              <input
                id="default-branch"
                name="default_branch"
                value={p.defaultBranch}
                maxlength={200}
              />{' '}
              <span class="muted">(no branches yet: the first push to it makes it)</span>
            </>
          )}
        </p>
        <button type="submit" class="primary">
          Save
        </button>
      </form>
    </section>
  );
}

export function VisibilitySection(p: { repo: RepoRef; base: string }) {
  return (
    <section aria-labelledby="visibility">
      <h2 id="visibility">Visibility</h2>
      <form method="post" action={`${p.base}/visibility`}>
        <p>
          This repository is <strong>{p.repo.private ? 'private' : 'public'}</strong>.{' '}
          {p.repo.private
            ? 'Making it public shows its code, runs and history to everyone.'
            : 'Making it private hides it from everyone but you and its collaborators.'}
        </p>
        <input type="hidden" name="visibility" value={p.repo.private ? 'public' : 'private'} />
        <Confirm expect={`${p.repo.owner}/${p.repo.name}`} id="visibility-confirm" />
        <button type="submit">Make {p.repo.private ? 'public' : 'private'}</button>
      </form>
    </section>
  );
}

export function RepoSettingsPage(p: RepoSettingsProps) {
  const base = `/${encodeURIComponent(p.repo.owner)}/${encodeURIComponent(p.repo.name)}/settings`;
  const full = `${p.repo.owner}/${p.repo.name}`;
  return (
    <RepoPage title={`Settings · ${full}`} user={p.user} repo={p.repo} tab="settings">
      {p.error ? (
        <p class="error-box" role="alert">
          ✗ {p.error}
        </p>
      ) : null}
      {p.notice ? (
        <p class="ok" role="status">
          ✓ {p.notice}
        </p>
      ) : null}

      <GeneralSection {...p} base={base} />
      <VisibilitySection repo={p.repo} base={base} />
      <BranchRulesSection rules={p.rules} base={base} />
      <CollaboratorsSection collaborators={p.collaborators} base={base} />
      <SecretsSection secrets={p.secrets} base={base} />
      <DangerZone repo={p.repo} base={base} />
    </RepoPage>
  );
}
