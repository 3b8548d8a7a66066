/**
 * Issue and comment text to HTML for one viewer: GitHub-flavoured markdown through the
 * browse renderer (raw HTML escaped, unsafe URLs dropped, fenced code highlighted), with
 * `#12`, `owner/repo#12`, `@user` and commit ids linked only when their target exists and
 * the viewer may read it; anything else stays plain text. Full commit ids are linked as written;
 * short ones (7–39 hex, not all digits) only when they name exactly one commit in the
 * repository's object store, at most 20 candidates per render. Also counts task-list progress.
 */
import { Marked, type Token, type TokenizerAndRendererExtension, type Tokens } from 'marked';
import type { Db } from '../../../db/client';
import type { RepoRow } from '../../../db/queries/repositories';
import { existingLogins, existingNumbers } from '../../../db/queries/issues';
import { AppError } from '../../../common/errors';
import { escapeHtml } from '../browse/html';
import { renderMarkdown } from '../browse/markdown';
import type { ObjectReader } from '../browse/objects';
import { openBrowseRepo } from '../browse/repo';
import type { Env } from '../../env';
import { objectsWithPrefix, type PrefixFinder } from '../browse/resolve-ref';
import { loadRepoForAction, type Actor } from '../repos/authz';
import { findReferences, withoutCode } from './references';

interface Resolved {
  /** `owner/repo#n` (lower case; '' owner/repo for the same repository) → link. */
  issues: Map<string, { href: string; title: string }>;
  /** lower-case login → its spelling */
  users: Map<string, string>;
  /** short commit id as written → the one commit it names */
  commits: Map<string, string>;
}

/** Where short commit ids are looked up: the repository's objects (see openBrowseRepo). */
export interface CommitSource {
  reader: ObjectReader;
  findPrefix: PrefixFinder;
}

/** The commit source of `repo` (one the viewer may read), opened once, on first use. */
export function repoCommits(env: Env, repo: RepoRow): () => Promise<CommitSource> {
  let opened: Promise<CommitSource> | undefined;
  return () => (opened ??= openBrowseRepo(env, repo));
}

/** Short ids looked up per render batch: each costs a scan of the pack indexes. */
const MAX_SHORT_IDS = 20;
const SHORT_ID = /(?<![\w/.@#-])([0-9a-f]{7,39})(?![0-9a-z])/g;

/** Candidate short commit ids in `texts` (outside code), at most MAX_SHORT_IDS of them. */
function shortIdCandidates(texts: string[]): string[] {
  const out = new Set<string>();
  for (const t of texts) {
    for (const m of withoutCode(t).matchAll(SHORT_ID)) {
      const id = m[1] ?? '';
      if (/^\d+$/.test(id)) continue;
      out.add(id);
      if (out.size >= MAX_SHORT_IDS) return [...out];
    }
  }
  return [...out];
}

/** Each candidate that names exactly one commit → that commit's full id. */
async function resolveShortIds(
  source: CommitSource,
  candidates: string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const id of candidates) {
    const hits = await objectsWithPrefix(source.reader, source.findPrefix, id, 'commit');
    if (hits.length === 1 && hits[0] !== undefined) out.set(id, hits[0]);
  }
  return out;
}

const refKey = (owner: string, repo: string, n: number) => `${owner}/${repo}#${n}`.toLowerCase();

/** Looks up every reference in `texts` that the viewer may see. */
async function resolve(
  db: Db,
  actor: Actor,
  repo: RepoRow,
  texts: string[],
  commits: (() => Promise<CommitSource>) | undefined,
): Promise<Resolved> {
  const refs = texts.map(findReferences);
  const out: Resolved = { issues: new Map(), users: new Map(), commits: new Map() };
  const byRepo = new Map<string, { owner: string; repo: string; numbers: Set<number> }>();
  for (const r of refs.flatMap((x) => x.issues)) {
    const owner = r.owner ?? repo.owner_login;
    const name = r.repo ?? repo.name;
    const k = `${owner}/${name}`.toLowerCase();
    const entry = byRepo.get(k) ?? { owner, repo: name, numbers: new Set<number>() };
    entry.numbers.add(r.number);
    byRepo.set(k, entry);
  }
  // At most 10 other repositories per render: each costs an authorisation check.
  for (const entry of [...byRepo.values()].slice(0, 11)) {
    let target: RepoRow = repo;
    const same =
      entry.owner.toLowerCase() === repo.owner_login.toLowerCase() &&
      entry.repo.toLowerCase() === repo.name.toLowerCase();
    if (!same) {
      try {
        target = await loadRepoForAction(db, actor, entry.owner, entry.repo, 'read');
      } catch (err) {
        if (err instanceof AppError) continue;
        throw err;
      }
    }
    const found = await existingNumbers(db, target.id, [...entry.numbers]);
    for (const [n, info] of found) {
      const link = {
        href: `/${target.owner_login}/${target.name}/issues/${n}`,
        title: `${info.title} (${info.state})`,
      };
      out.issues.set(refKey(entry.owner, entry.repo, n), link);
      if (same) out.issues.set(refKey('', '', n), link);
    }
  }
  out.users = await existingLogins(db, [...new Set(refs.flatMap((x) => x.mentions))]);
  const candidates = commits ? shortIdCandidates(texts) : [];
  if (commits && candidates.length > 0)
    out.commits = await resolveShortIds(await commits(), candidates);
  return out;
}

const LOGIN = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?';
const REF = new RegExp(`^(?:(${LOGIN})/([A-Za-z0-9._-]{1,100}))?#(\\d{1,9})(?![\\w#])`);
const MENTION = new RegExp(`^@(${LOGIN})(?![\\w/-])`);
const COMMIT = /^([0-9a-f]{7,40})(?![0-9a-z])/;
const START = new RegExp(
  `(?:${LOGIN}/[A-Za-z0-9._-]{1,100})?#\\d|@[A-Za-z0-9]|[0-9a-f]{7,40}(?![0-9a-z])`,
  'g',
);

interface RefToken extends Tokens.Generic {
  type: 'issueRef';
  raw: string;
  html: string;
}

/** The marked extension that links references found in `resolved`. */
function referenceExtension(repo: RepoRow, resolved: Resolved): TokenizerAndRendererExtension {
  return {
    name: 'issueRef',
    level: 'inline',
    start(src: string) {
      for (const m of src.matchAll(START)) {
        if (m.index === 0 || !/[\w/.@#-]/.test(src[m.index - 1] ?? '')) return m.index;
      }
      return undefined;
    },
    tokenizer(src: string): RefToken | undefined {
      const ref = REF.exec(src);
      if (ref) {
        const [raw, owner, name, n] = ref;
        const link = resolved.issues.get(refKey(owner ?? '', name ?? '', Number(n)));
        const html = link
          ? `<a class="issue-ref" href="${escapeHtml(link.href)}" title="${escapeHtml(link.title)}">${escapeHtml(raw)}</a>`
          : escapeHtml(raw);
        return { type: 'issueRef', raw, html };
      }
      const mention = MENTION.exec(src);
      if (mention) {
        const login = resolved.users.get((mention[1] ?? '').toLowerCase());
        const raw = mention[0];
        const html = login
          ? `<a class="mention" href="/${escapeHtml(login)}">${escapeHtml(raw)}</a>`
          : escapeHtml(raw);
        return { type: 'issueRef', raw, html };
      }
      const commit = COMMIT.exec(src);
      if (commit) {
        const raw = commit[0];
        const full = raw.length === 40 ? raw : resolved.commits.get(raw);
        if (!full) return { type: 'issueRef', raw, html: escapeHtml(raw) };
        const href = `/${repo.owner_login}/${repo.name}/commit/${full}`;
        const html = `<a class="commit-ref" href="${escapeHtml(href)}"><code>${raw.slice(0, 7)}</code></a>`;
        return { type: 'issueRef', raw, html };
      }
      return undefined;
    },
    renderer(token: Tokens.Generic) {
      return (token as RefToken).html;
    },
  };
}

/**
 * Renders each text for this viewer (one batch of lookups for all of them). `commits` opens the
 * repository's objects for short commit ids (called only when a text holds a candidate); without
 * it only full ids are linked.
 */
export async function renderIssueTexts(
  db: Db,
  actor: Actor,
  repo: RepoRow,
  texts: string[],
  commits?: () => Promise<CommitSource>,
): Promise<string[]> {
  const resolved = await resolve(db, actor, repo, texts, commits);
  const extensions = [referenceExtension(repo, resolved)];
  const base = `/${repo.owner_login}/${repo.name}`;
  return texts.map((t) =>
    renderMarkdown(t, {
      extensions,
      resolve: (href, kind) =>
        kind === 'image'
          ? `${base}/raw/${repo.default_branch}/${href.replace(/^\.?\//, '')}`
          : `${base}/blob/${repo.default_branch}/${href.replace(/^\.?\//, '')}`,
    }),
  );
}

/** Task-list progress of a text: how many `- [ ]` items there are and how many are ticked. */
export function taskProgress(text: string): { total: number; done: number } {
  const marked = new Marked({ gfm: true, async: false });
  const progress = { total: 0, done: 0 };
  marked.walkTokens(marked.lexer(text.slice(0, 65_536)), (t: Token) => {
    if (t.type === 'list_item' && (t as Tokens.ListItem).task) {
      progress.total++;
      if ((t as Tokens.ListItem).checked) progress.done++;
    }
  });
  return progress;
}
