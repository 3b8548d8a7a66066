/**
 * One SSH session of an authenticated connection: `env GIT_PROTOCOL` is remembered, a `shell`
 * gets the "no shell access" greeting, and an `exec` of a git command runs through
 * git-session.ts once a session slot is free (limits over all users and per key).
 */
import type { ServerChannel, Session } from 'ssh2';
import type { BridgeLog, Identity } from './authenticate';
import { ChannelInput, ChannelOutput } from './channel-io';
import { parseGitCommand } from './command';
import { protocolVersionOf, runGitSession } from './git-session';
import type { Upstream } from './upstream';

/** Counts running sessions, over all users and per key, against their limits. */
export class SessionSlots {
  private total = 0;
  private readonly perKey = new Map<string, number>();

  constructor(
    private readonly maxSessions: number,
    private readonly maxSessionsPerKey: number,
  ) {}

  /** Sessions running right now. */
  get active(): number {
    return this.total;
  }

  /** Takes a slot for `who`, or returns the message that says why none is free. */
  acquire(who: Identity): string | undefined {
    if (this.total >= this.maxSessions) {
      return `ERROR: Plue's SSH service is busy (${this.maxSessions} sessions running); try again in a moment.`;
    }
    const mine = this.perKey.get(who.fingerprint) ?? 0;
    if (mine >= this.maxSessionsPerKey) {
      return `ERROR: Too many concurrent SSH sessions for this key (limit ${this.maxSessionsPerKey}); wait for some to finish.`;
    }
    this.total++;
    this.perKey.set(who.fingerprint, mine + 1);
    return undefined;
  }

  /** Gives back a slot taken by `acquire`. */
  release(who: Identity): void {
    this.total--;
    const left = (this.perKey.get(who.fingerprint) ?? 1) - 1;
    if (left <= 0) this.perKey.delete(who.fingerprint);
    else this.perKey.set(who.fingerprint, left);
  }
}

/** What every session of the bridge shares. */
export interface SessionContext {
  upstream: Upstream;
  slots: SessionSlots;
  log: BridgeLog;
}

/** Answers the requests of one session channel of `who`'s connection. */
export function handleSession(
  ctx: SessionContext,
  session: Session,
  who: Identity,
  peer: string,
): void {
  let gitProtocol = '';
  session.on('env', (accept, _reject, info) => {
    if (info.key === 'GIT_PROTOCOL') gitProtocol = String(info.val).slice(0, 200);
    accept?.();
  });
  session.on('pty', (accept) => accept?.());
  session.on('window-change', (accept) => accept?.());
  session.on('subsystem', (_accept, reject) => reject?.());
  session.on('shell', (accept) => {
    const channel = accept();
    const out = new ChannelOutput(channel);
    void out
      .error(`Hi ${who.user.login}! You've authenticated, but Plue does not provide shell access.`)
      .then(() => out.finish(1));
  });
  session.on('exec', (accept, _reject, info) => {
    const channel = accept();
    void runExec(ctx, channel, { line: info.command, gitProtocol, who, peer });
  });
}

interface ExecRequest {
  line: string;
  gitProtocol: string;
  who: Identity;
  peer: string;
}

/** Runs one `exec` request to its exit status: refused, busy, or a git session. */
async function runExec(
  ctx: SessionContext,
  channel: ServerChannel,
  req: ExecRequest,
): Promise<void> {
  const { who, peer } = req;
  const log = ctx.log;
  const out = new ChannelOutput(channel);
  const parsed = parseGitCommand(req.line);
  if (!parsed.ok) {
    log('command refused', { peer, user: who.user.login, command: req.line.slice(0, 200) });
    await out.error(`ERROR: ${parsed.message}`);
    return out.finish(1);
  }
  const busy = ctx.slots.acquire(who);
  if (busy) {
    log('session limit', { peer, user: who.user.login });
    await out.error(busy);
    return out.finish(1);
  }
  const started = Date.now();
  const protocol = protocolVersionOf(req.gitProtocol);
  const command = parsed.command;
  let code = 1;
  try {
    code = await runGitSession({
      upstream: ctx.upstream,
      user: who.user,
      command,
      protocol,
      input: new ChannelInput(channel),
      out,
      log: (msg, fields) => log(msg, { peer, user: who.user.login, ...fields }),
    });
  } catch (err) {
    log('session failed', { peer, error: (err as Error).message });
    await out.error('ERROR: Plue hit an internal error; try again later.');
  } finally {
    ctx.slots.release(who);
  }
  log('session done', {
    peer,
    user: who.user.login,
    service: command.service,
    repo: `${command.owner}/${command.repo}`,
    protocol,
    code,
    ms: Date.now() - started,
  });
  await out.finish(code);
}
