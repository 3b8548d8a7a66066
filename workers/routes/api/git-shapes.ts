/** GitHub REST shapes of commits, files and refs, built from the browse services' data. */
import type { CommitInfo } from '../../services/browse/data-tree';
import type { FileDiff } from '../../services/browse/diff/file-diff';
import { formatPatch } from '../../services/browse/diff/hunks';

export interface Urls {
  /** `http://host/api/v1/repos/{owner}/{repo}` */
  api: string;
  /** `http://host/{owner}/{repo}` */
  html: string;
}

const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

/** The `git/commits/{sha}` object (plus jj's `change_id`). */
export function gitCommitJson(c: CommitInfo, u: Urls) {
  return {
    sha: c.oid,
    url: `${u.api}/git/commits/${c.oid}`,
    html_url: `${u.html}/commit/${c.oid}`,
    author: { name: c.author, email: c.authorEmail, date: iso(c.authorTime) },
    committer: { name: c.committer, date: iso(c.time) },
    message: c.message.replace(/\n$/, ''),
    tree: { sha: c.tree, url: `${u.api}/git/trees/${c.tree}` },
    parents: c.parents.map((p) => ({
      sha: p,
      url: `${u.api}/git/commits/${p}`,
      html_url: `${u.html}/commit/${p}`,
    })),
    change_id: c.changeId ?? null,
  };
}

/** An item of `commits` (list) and the head of `commits/{ref}`. */
export function commitJson(c: CommitInfo, u: Urls) {
  const git = gitCommitJson(c, u);
  return {
    sha: c.oid,
    url: `${u.api}/commits/${c.oid}`,
    html_url: git.html_url,
    commit: { ...git, url: git.url },
    parents: git.parents,
    change_id: git.change_id,
  };
}

export function fileJson(f: FileDiff, u: Urls, commit: string) {
  const oid = f.newOid ?? f.oldOid ?? '';
  const out: Record<string, unknown> = {
    sha: oid,
    filename: f.path,
    status: f.status,
    additions: f.additions,
    deletions: f.deletions,
    changes: f.additions + f.deletions,
    blob_url: `${u.html}/blob/${commit}/${f.path}`,
    raw_url: `${u.html}/raw/${commit}/${f.path}`,
    contents_url: `${u.api}/contents/${f.path}?ref=${commit}`,
  };
  if (f.status === 'renamed') {
    out.previous_filename = f.previousPath;
    out.similarity = f.similarity;
  }
  // A rename to the same blob has no patch, as on GitHub.
  if (f.hunks && (f.hunks.length > 0 || f.status !== 'renamed')) out.patch = formatPatch(f.hunks);
  return out;
}
