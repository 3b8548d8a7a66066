/** Landings, revisions, commits and files in the JSON shapes of GitHub's pulls API. */
import type { Commit } from '../../../common/git/object';
import { changeIdentityOf } from '../../../common/git/change-id';
import type { LandingRow, RevisionRow } from '../../../db/queries/landings';
import type { RepoRow } from '../../../db/queries/repositories';
import type { FileDiff } from '../browse/diff/file-diff';
import { formatPatch } from '../browse/diff/hunks';
import { issueView, type IssueExtras } from '../issues/views';

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

export function landingView(
  l: LandingRow,
  x: IssueExtras,
  latest: RevisionRow | undefined,
  origin: string,
  repo: RepoRow,
) {
  const full = `${repo.owner_login}/${repo.name}`;
  const url = `${origin}/api/v1/repos/${full}/landings/${l.number}`;
  const issue = issueView(l, x, origin, repo);
  return {
    ...issue,
    // GitHub's pulls: open or closed, with `merged` telling the landed ones apart.
    state: l.landing_state === 'open' ? 'open' : 'closed',
    landing_state: l.landing_state,
    landed: l.landing_state === 'landed',
    landed_at: iso(l.landed_at),
    landed_by: l.landed_by_login === null ? null : { login: l.landed_by_login },
    landed_commit_sha: l.landed_oid,
    draft: l.draft,
    change_id: l.change_id,
    topic: l.topic,
    head: {
      ref: l.source_branch,
      sha: latest?.head_oid ?? null,
      change_id: latest?.change_id ?? l.change_id,
    },
    base: { ref: l.target_branch, sha: latest?.target_oid ?? null },
    merge_base_sha: latest?.base_oid ?? null,
    revisions: l.revisions_count,
    url,
    issue_url: issue.url,
    html_url: `${origin}/${full}/landings/${l.number}`,
    revisions_url: `${url}/revisions`,
    commits_url: `${url}/commits`,
    statuses_url: latest ? `${origin}/api/v1/repos/${full}/statuses/${latest.head_oid}` : null,
  };
}

export function revisionView(r: RevisionRow, landingNumber: number) {
  return {
    number: r.number,
    head_sha: r.head_oid,
    base_sha: r.base_oid,
    target_sha: r.target_oid,
    change_id: r.change_id,
    parent_change_id: r.parent_change_id,
    ref: `refs/landings/${landingNumber}/${r.number}`,
    pusher: r.pusher_login === null ? null : { login: r.pusher_login },
    created_at: iso(r.created_at),
  };
}

const person = (s: Commit['author']) => ({
  name: s.name,
  email: s.email,
  date: new Date(s.timestamp * 1000).toISOString(),
});

export function landingCommitView(oid: string, c: Commit, origin: string, repo: RepoRow) {
  const full = `${repo.owner_login}/${repo.name}`;
  return {
    sha: oid,
    change_id: changeIdentityOf(c.headers, c.message)?.changeId ?? null,
    commit: {
      message: c.message,
      author: person(c.author),
      committer: person(c.committer),
      tree: { sha: c.tree },
    },
    parents: c.parents.map((p) => ({ sha: p })),
    html_url: `${origin}/${full}/commit/${oid}`,
  };
}

export function landingFileView(f: FileDiff) {
  return {
    filename: f.path,
    status: f.status,
    ...(f.previousPath !== undefined ? { previous_filename: f.previousPath } : {}),
    additions: f.additions,
    deletions: f.deletions,
    changes: f.additions + f.deletions,
    sha: f.newOid ?? null,
    ...(f.hunks ? { patch: formatPatch(f.hunks) } : {}),
    ...(f.binary ? { binary: true } : {}),
  };
}
