/**
 * Parsing what an SSH client asks to run: `git-upload-pack '<path>'` (or `git upload-pack`,
 * `git-receive-pack`, `git-upload-archive`) with the path quoted the way git's quote.c does it.
 * The path is normalised to exactly `owner/repo` and validated: the bridge never trusts the client,
 * so `..`, `.` and any other segment shape than two plain names is refused, not resolved.
 */

export type GitService = 'git-upload-pack' | 'git-receive-pack' | 'git-upload-archive';

export interface GitCommand {
  service: GitService;
  owner: string;
  /** Repository name without `.git`. */
  repo: string;
}

export type ParseResult = { ok: true; command: GitCommand } | { ok: false; message: string };

const SERVICES: readonly GitService[] = [
  'git-upload-pack',
  'git-receive-pack',
  'git-upload-archive',
];
const MAX_COMMAND = 4096;
/** A name segment: what Plue accepts for users and repositories, plus a little slack. */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;

/**
 * Splits a command line into words like a POSIX shell would for the quoting git produces:
 * single quotes (no escapes inside), double quotes (backslash escapes `"\$\``), and backslash
 * outside quotes. Returns undefined for an unterminated quote or a trailing backslash.
 */
export function splitWords(line: string): string[] | undefined {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return undefined;
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (ch === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        const c = line[j] as string;
        if (c === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1] as string)) {
          word += line[j + 1];
          j++;
        } else word += c;
      }
      if (j >= line.length) return undefined;
      i = j;
    } else if (ch === '\\') {
      if (i + 1 >= line.length) return undefined;
      word += line[i + 1];
      inWord = true;
      i++;
    } else if (ch === ' ' || ch === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * Normalises a repository path to `{owner, repo}`: strips a leading `~` and `/`s, collapses
 * repeated and trailing slashes, drops one `.git` suffix; refuses `.`/`..` segments, anything
 * but two segments, and names outside Plue's character set.
 */
export function parseRepoPath(raw: string): { owner: string; repo: string } | undefined {
  if (raw.length === 0 || raw.length > 512 || /[\u0000-\u001f\u007f\\]/.test(raw)) {
    return undefined;
  }
  let path = raw;
  if (path.startsWith('~')) path = path.slice(1);
  const segments = path.split('/').filter((s) => s.length > 0);
  if (segments.length !== 2) return undefined;
  const [owner, rawRepo] = segments as [string, string];
  const repo = rawRepo.endsWith('.git') ? rawRepo.slice(0, -4) : rawRepo;
  for (const s of [owner, repo]) {
    if (s === '.' || s === '..' || !NAME.test(s) || s.endsWith('.')) return undefined;
  }
  return { owner, repo };
}

/** Parses an `exec` request's command line into a git service and a repository. */
export function parseGitCommand(line: string): ParseResult {
  const usage =
    'Plue only runs git-upload-pack, git-receive-pack and git-upload-archive; ' +
    'use a git remote like git@host:owner/repo.git';
  if (line.length > MAX_COMMAND) return { ok: false, message: 'Command too long.' };
  const words = splitWords(line.trim());
  if (!words || words.length === 0) return { ok: false, message: `Invalid command. ${usage}` };
  let [name, ...args] = words as [string, ...string[]];
  if (name === 'git' && args.length > 0) {
    name = `git-${args[0]}`;
    args = args.slice(1);
  }
  const service = SERVICES.find((s) => s === name);
  if (!service) return { ok: false, message: `Unknown command '${printable(name)}'. ${usage}` };
  if (args.length !== 1) {
    return { ok: false, message: `${service} takes exactly one argument: the repository path.` };
  }
  const path = parseRepoPath(args[0] as string);
  if (!path) {
    return {
      ok: false,
      message: `Invalid repository path '${printable(args[0] as string)}': expected owner/repo.git.`,
    };
  }
  return { ok: true, command: { service, ...path } };
}

/** The text with control characters replaced, short enough for one error line. */
function printable(s: string): string {
  const t = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return t.length > 100 ? `${t.slice(0, 100)}…` : t;
}
