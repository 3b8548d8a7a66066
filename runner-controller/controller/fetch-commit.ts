/**
 * One commit fetched into a fresh repository by this process (issue #21: push → first log line).
 * `git fetch` spends most of a small fetch starting processes (git, git-remote-http,
 * unpack-objects) around two requests; the Worker answers the fetch itself in about 20 ms. So the
 * controller sends the one protocol v2 request itself (`command=fetch`, `want <sha>`, `deepen 1`,
 * `done`: git's smart HTTP is stateless, no advertisement is needed first), streams the pack out
 * of side-band 1 into git's own `index-pack --stdin` (which checks and indexes every object, so
 * nothing here needs to trust the bytes), and records the shallow boundary the Worker named in
 * `.git/shallow`, as git fetch would. The caller checks the commit out with git.
 *
 * Hand-written because it is small: six pkt-lines out, and a reader for the answer's sections
 * (common/git/pkt-line.ts reads the packets). Errors say what the Worker said (ERR, band 3, HTTP
 * status) or what was malformed; a `FetchProtocolError` means the answer could not be read and the
 * caller may fall back to `git fetch`.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PktLineError, PktLineReader, type Pkt } from '../../common/git/pkt-line';

type Section = 'start' | 'shallow-info' | 'packfile' | 'done';

/** The Worker's answer could not be read as a protocol v2 fetch response. */
export class FetchProtocolError extends Error {}

export interface FetchCommitOptions {
  /** The repository's git URL (`…/owner/name.git`). */
  url: string;
  /** The Authorization header's value (the job's credential). */
  authorization: string;
  sha: string;
  /** The repository's work tree (its `.git` exists, empty). */
  dir: string;
  /** The environment git runs with (no credentials needed: index-pack reads only stdin). */
  env: Record<string, string>;
  signal: AbortSignal;
}

/** The request body (all text): fetch `sha` and nothing else, one commit deep, no progress. */
export function fetchRequest(sha: string): string {
  const pkt = (line: string) => `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;
  const capabilities = ['command=fetch\n', 'agent=plue-controller\n'].map(pkt).join('');
  const args = [`want ${sha}\n`, 'deepen 1\n', 'no-progress\n', 'done\n'].map(pkt).join('');
  return `${capabilities}0001${args}0000`;
}

/** Fetches `sha` into `dir`'s repository. */
export async function fetchCommit(opts: FetchCommitOptions): Promise<void> {
  const res = await fetch(`${opts.url}/git-upload-pack`, {
    method: 'POST',
    headers: {
      authorization: opts.authorization,
      'content-type': 'application/x-git-upload-pack-request',
      accept: 'application/x-git-upload-pack-result',
      'git-protocol': 'version=2',
    },
    body: fetchRequest(opts.sha),
    signal: opts.signal,
  });
  if (!res.ok || !res.body) {
    const text = (await res.text().catch(() => '')).trim().slice(0, 300);
    throw new Error(`fetching ${opts.sha.slice(0, 12)} failed: HTTP ${res.status} ${text}`);
  }
  const index = spawn('git', ['index-pack', '--stdin'], {
    cwd: opts.dir,
    env: opts.env,
    stdio: ['pipe', 'ignore', 'pipe'],
    signal: opts.signal,
  });
  let stderr = '';
  index.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  index.stdin.on('error', () => undefined); // index-pack ended early: its exit says why
  const exited = new Promise<number | null>((resolve, reject) => {
    index.on('error', reject);
    index.on('close', resolve);
  });
  let shallow: string[];
  try {
    shallow = await readResponse(res.body, async (data) => {
      if (index.exitCode !== null || index.stdin.destroyed)
        throw new Error('git index-pack ended early');
      // Back-pressure, unless index-pack ends meanwhile (then its exit status says why).
      if (!index.stdin.write(data))
        await Promise.race([new Promise((r) => index.stdin.once('drain', r)), exited]);
    });
  } catch (err) {
    index.kill('SIGKILL');
    await exited.catch(() => undefined);
    throw stderr.trim() ? new Error(`git index-pack failed: ${stderr.trim()}`) : err;
  } finally {
    index.stdin.end();
  }
  const code = await exited;
  if (code !== 0) throw new Error(`git index-pack failed: ${stderr.trim() || `exit ${code}`}`);
  if (shallow.length > 0)
    writeFileSync(join(opts.dir, '.git', 'shallow'), `${shallow.join('\n')}\n`);
}

/**
 * Reads a v2 fetch response: `shallow-info` (its `shallow <oid>` lines are returned), then
 * `packfile`, whose side-band 1 goes to `onPack`; band 3 and ERR are the Worker's errors.
 */
export async function readResponse(
  body: AsyncIterable<Uint8Array>,
  onPack: (data: Uint8Array) => Promise<void>,
): Promise<string[]> {
  const reader = new PktLineReader();
  const shallow: string[] = [];
  // An object: the packet handler below moves it on, which narrowing would not see.
  const at: { section: Section } = { section: 'start' };
  const done = () => at.section === 'done';
  const take = async (p: Pkt): Promise<void> => {
    if (p.type !== 'data') {
      if (p.type === 'flush' && at.section === 'packfile') at.section = 'done';
      else if (p.type === 'delim' && at.section === 'shallow-info') at.section = 'start';
      else throw new FetchProtocolError(`unexpected ${p.type} packet in the fetch response`);
      return;
    }
    if (at.section === 'packfile') {
      const band = p.data[0];
      if (band === 1) await onPack(p.data.subarray(1));
      else if (band === 3) throw new Error(`the server said: ${text(p.data.subarray(1))}`);
      else if (band !== 2) throw new FetchProtocolError(`unknown side-band ${band ?? 'none'}`);
      return;
    }
    const line = text(p.data);
    if (line.startsWith('ERR ')) throw new Error(`the server said: ${line.slice(4)}`);
    if (at.section === 'shallow-info') {
      const m = /^shallow ([0-9a-f]{40}|[0-9a-f]{64})$/.exec(line);
      if (m?.[1]) shallow.push(m[1]);
      else if (!/^unshallow [0-9a-f]+$/.test(line))
        throw new FetchProtocolError(`unexpected line in shallow-info: ${line.slice(0, 80)}`);
    } else if (at.section === 'start' && (line === 'shallow-info' || line === 'packfile')) {
      at.section = line;
    } else
      throw new FetchProtocolError(`unexpected line in the fetch response: ${line.slice(0, 80)}`);
  };
  try {
    for await (const chunk of body) {
      if (done()) break;
      reader.push(chunk);
      for (let p = reader.next(); p && !done(); p = reader.next()) await take(p);
    }
    reader.end();
    for (let p = reader.next(); p && !done(); p = reader.next()) await take(p);
  } catch (err) {
    throw err instanceof PktLineError ? new FetchProtocolError(err.message) : err;
  }
  if (!done()) throw new FetchProtocolError('the fetch response ended early');
  return shallow;
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8').replace(/\n$/, '');
