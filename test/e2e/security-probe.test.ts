/**
 * The security probe (issue #16): every route the Worker's router holds, as anonymous, stranger,
 * read collaborator, removed collaborator and owner, on a private repository and on a repository
 * whose visibility flips. Those who may not read a repository must get exactly what a missing
 * repository answers (status, media type, headers that matter, body shape), on pages, the API,
 * git over HTTPS and SSH, run streams (SSE, WebSocket, polling), raw files and cached answers.
 * Host and X-Forwarded-* spoofing goes to every cached route, hostile names and pkt-lines to
 * every repository route, and hostile sign-in messages (a phishing domain with its Host,
 * statements outside EIP-4361's grammar) to the sign-in endpoint. Findings that another branch fixes are listed in KNOWN_FAILURES, each
 * naming its issue item; a listed failure that no longer happens fails the suite too, so the
 * list is pruned when the fix lands.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Bridge } from '../../ssh-bridge/server';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import {
  getNonce,
  postVerify,
  randomClientIp,
  siweAttempt,
  siweMessage,
} from '../../scripts/clients/auth';
import { openSseViewer, openWsViewer } from '../helpers/live-viewers';
import { actorHeaders, bodyOf, send, signature, type Answer } from '../helpers/probe/answer';
import { buildWorld, type ProbeActor, type ProbeWorld } from '../helpers/probe/fixture';
import {
  discoverRoutes,
  fillPath,
  ROUTES,
  type DiscoveredRoute,
  type RepoFacts,
  type RepoRoute,
} from '../helpers/probe/routes';
import { SshKit, type SshKey, startTestBridge } from '../helpers/ssh';

const base = inject('baseUrl');
const origin = new URL(base).origin;
const EVIL = 'evil.example';

interface Finding {
  check: string;
  route: string;
  detail: string;
}

/**
 * Failures another engineer's branch fixes; each names its item of issue #16 and the check that
 * finds it. A known failure its check no longer finds fails the suite: prune the list.
 */
const KNOWN_FAILURES: { item: string; check: string; matches: (f: Finding) => boolean }[] = [];

/** Fails on findings no known failure covers, and on known failures of `checks` that vanished. */
function settle(findings: Finding[], checks: string[]): void {
  const known = (k: (typeof KNOWN_FAILURES)[number], f: Finding) =>
    k.check === f.check && k.matches(f);
  const unknown = findings.filter((f) => !KNOWN_FAILURES.some((k) => known(k, f)));
  const stale = KNOWN_FAILURES.filter(
    (k) => checks.includes(k.check) && !findings.some((f) => known(k, f)),
  );
  const lines = [
    ...unknown.map((f) => `[${f.check}] ${f.route}: ${f.detail}`),
    ...stale.map(
      (k) => `known failure no longer happens, remove it from KNOWN_FAILURES: ${k.item}`,
    ),
  ];
  expect(lines, lines.join('\n')).toEqual([]);
}

/** Runs `tasks` with at most `n` in flight. */
async function pool<T>(tasks: (() => Promise<T>)[], n = 6): Promise<T[]> {
  const out: T[] = new Array<T>(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await (tasks[i] as () => Promise<T>)();
      }
    }),
  );
  return out;
}

let world: ProbeWorld;
let routes: DiscoveredRoute[];
const repoRoutes = () =>
  routes.flatMap((r) => {
    const spec = ROUTES[r.key];
    return spec?.kind === 'repo' ? [{ ...r, spec }] : [];
  });
const mutating = (r: DiscoveredRoute) => r.method !== 'GET' && !r.path.endsWith('git-upload-pack');
const serviceOf = (path: string) =>
  path.endsWith('git-receive-pack') ? 'git-receive-pack' : 'git-upload-pack';

function ask(
  r: DiscoveredRoute & { spec: RepoRoute },
  actor: ProbeActor,
  facts: RepoFacts,
  extra: { headers?: Record<string, string>; raw?: { owner?: string; repo?: string } } = {},
): Promise<Answer> {
  const path = fillPath(r.path, r.spec, facts, extra.raw);
  const { body, type } = bodyOf(r.spec, serviceOf(r.path));
  const headers = { ...actorHeaders(actor, r.spec, origin), ...extra.headers };
  if (type) headers['content-type'] = type;
  return send(base, r.method === 'ALL' ? 'GET' : r.method, path, headers, body, {
    stream: r.spec.stream,
  });
}

/**
 * Compares every repository route's answer on `hidden` with the answer on `missing` for each
 * actor in `actors`; returns the differences as findings.
 */
async function compareHidden(
  check: string,
  hidden: RepoFacts,
  missing: RepoFacts,
  actors: ProbeActor[],
  variants: Variant[] = [AS_IS],
  only: (r: DiscoveredRoute) => boolean = () => true,
): Promise<Finding[]> {
  const tasks = repoRoutes()
    .filter(only)
    .flatMap((r) =>
      variants.flatMap((v) => {
        const raw = (f: RepoFacts) => v.raw(f, r.spec);
        if (raw(hidden) === undefined) return [];
        const names = [hidden, missing].flatMap((f) => [f.repo, raw(f)?.repo ?? f.repo]);
        // Other spellings go to the first actor only (they test caches, not identities).
        return (v === AS_IS ? actors : actors.slice(0, 1)).map(
          (a) => async (): Promise<Finding | undefined> => {
            const [h, m] = await Promise.all([
              ask(r, a, hidden, { raw: raw(hidden) }),
              ask(r, a, missing, { raw: raw(missing) }),
            ]);
            const sh = signature(h, names);
            const sm = signature(m, names);
            if (sh === sm) return undefined;
            return {
              check,
              route: `${r.key} (${v.name})`,
              detail: `${a.name}: hidden answers ${sh.slice(0, 300)}\n  missing answers ${sm.slice(0, 300)}`,
            };
          },
        );
      }),
    );
  return (await pool(tasks)).filter((f): f is Finding => f !== undefined);
}

/** Another spelling of the same repository (undefined: not for this route). */
interface Variant {
  name: string;
  raw(f: RepoFacts, spec: RepoRoute): { owner?: string; repo?: string } | undefined;
}
const AS_IS: Variant = { name: 'as is', raw: () => ({}) };
/** Spellings that may have their own cache entries: other letter case, git's `.git` suffix. */
const SPELLINGS: Variant[] = [
  AS_IS,
  {
    name: 'upper case',
    raw: (f) => ({ owner: f.owner.toUpperCase(), repo: f.repo.toUpperCase() }),
  },
  { name: '.git', raw: (f, spec) => (spec.git ? { repo: `${f.repo}.git` } : undefined) },
];

/** Whether the flipping repository was made private (by the test that flips it). */
let flipped = false;
let kit: SshKit;
let bridge: Bridge;
const keys: Partial<Record<ProbeActor['name'], SshKey>> = {};

beforeAll(async () => {
  routes = await discoverRoutes();
  world = await buildWorld(base);
  kit = new SshKit();
  for (const name of ['owner', 'reader', 'removed', 'stranger'] as const) {
    const key = await kit.keygen(name);
    const user = world.actors[name].user;
    if (!user) throw new Error(`${name} has no user`);
    const res = await fetch(`${base}/api/v1/user/keys`, {
      method: 'POST',
      headers: user.headers,
      body: JSON.stringify({ title: 'probe', key: key.publicLine }),
    });
    if (res.status !== 201) throw new Error(`add key: ${res.status} ${await res.text()}`);
    keys[name] = key;
  }
  bridge = await startTestBridge(kit, base);
}, 120_000);

afterAll(async () => {
  await bridge?.close();
  kit?.cleanup();
});

describe('security probe', () => {
  it('knows every route of the router, and how to fill each one', () => {
    const unknown = routes.filter((r) => ROUTES[r.key] === undefined).map((r) => r.key);
    const keys = new Set(routes.map((r) => r.key));
    const stale = Object.keys(ROUTES).filter((k) => !keys.has(k));
    const unfillable: string[] = [];
    for (const r of repoRoutes()) {
      try {
        fillPath(r.path, r.spec, world.privateRepo);
      } catch (err) {
        unfillable.push(`${r.key}: ${(err as Error).message}`);
      }
    }
    expect({ unknown, stale, unfillable }).toEqual({ unknown: [], stale: [], unfillable: [] });
    expect(repoRoutes().length).toBeGreaterThan(40);
  });

  it('reaches the private repository as its owner and its read collaborator', async () => {
    const { owner, reader } = world.actors;
    const findings: Finding[] = [];
    await pool(
      repoRoutes().flatMap((r) => {
        const asOwner = async () => {
          if (mutating(r)) return;
          const a = await ask(r, owner, world.privateRepo);
          const ok = r.spec.ownerStatus ? r.spec.ownerStatus.includes(a.status) : a.status < 400;
          if (!ok)
            findings.push({
              check: 'owner',
              route: r.key,
              detail: `${a.status} ${a.body.slice(0, 200)}`,
            });
        };
        const asReader = async () => {
          const a = await ask(r, reader, world.privateRepo);
          // A write a reader may make (an issue, a comment) must succeed; any other is refused.
          const bad = r.spec.readerWrites
            ? a.status >= 400
            : mutating(r)
              ? a.status < 400 || a.status === 404 || a.status >= 500
              : !r.spec.ownerStatus?.includes(a.status) && (a.status === 404 || a.status >= 500);
          if (bad)
            findings.push({
              check: 'reader',
              route: r.key,
              detail: `${a.status} ${a.body.slice(0, 200)}`,
            });
        };
        return [asOwner, asReader];
      }),
    );
    settle(findings, ['owner', 'reader']);
  });

  it('answers anonymous, strangers and removed collaborators as if the private repository did not exist', async () => {
    const { anonymous, stranger, removed } = world.actors;
    const findings = await compareHidden(
      'private',
      world.privateRepo,
      world.missingRepo,
      [anonymous, stranger, removed],
      SPELLINGS,
    );
    settle(findings, ['private']);
    // The comparison can tell: the owner's answers (reads only) differ from a missing one's.
    const told = await compareHidden(
      'control',
      world.privateRepo,
      world.missingRepo,
      [world.actors.owner],
      [AS_IS],
      (r) => !mutating(r),
    );
    expect(told.length).toBeGreaterThan(30);
  });

  it('hides a repository made private, cached answers included', async () => {
    const { anonymous, stranger, removed, owner } = world.actors;
    const flip = world.flipRepo;
    // While public, everyone reads it (and the edge cache fills).
    const before: Finding[] = [];
    await pool(
      repoRoutes()
        .filter((r) => !mutating(r))
        .flatMap((r) => SPELLINGS.map((v) => ({ r, raw: v.raw(flip, r.spec) })))
        .filter(({ raw }) => raw !== undefined)
        .map(({ r, raw }) => async () => {
          const a = await ask(r, anonymous, flip, { raw });
          // Readable: anything but "not found" (admin-only routes answer 401).
          const ok = r.spec.ownerStatus?.includes(a.status) || (a.status !== 404 && a.status < 500);
          if (!ok) {
            before.push({
              check: 'public',
              route: r.key,
              detail: `${a.status} ${a.body.slice(0, 200)}`,
            });
          }
        }),
    );
    // Live viewers of its run, opened while it is public, end when it is made private.
    const runApi = `${base}/api/v1/repos/${flip.owner}/${flip.repo}/actions/runs/${flip.run}`;
    const viewers = [
      await openSseViewer(`${runApi}/stream`),
      await openWsViewer(`${runApi}/stream/ws`),
    ];
    for (const v of viewers) await v.waitFor((rec) => rec.event === 'step_output');
    const res = await fetch(`${base}/api/v1/repos/${flip.owner}/${flip.repo}`, {
      method: 'PATCH',
      headers: owner.user?.headers,
      body: JSON.stringify({ private: true }),
    });
    expect(res.status).toBe(200);
    flipped = true;
    await Promise.all(viewers.map((v) => v.waitEnd(5_000)));
    const missing = { ...flip, repo: `${flip.repo}-gone` };
    const findings = await compareHidden(
      'flipped',
      flip,
      missing,
      [anonymous, stranger, removed],
      SPELLINGS,
    );
    settle([...before, ...findings], ['public', 'flipped']);
  });

  it('answers WebSocket handshakes on hidden runs as on missing ones', async () => {
    const { anonymous, stranger, removed } = world.actors;
    const p = world.privateRepo;
    const m = world.missingRepo;
    const wsUrl = (f: RepoFacts) =>
      `${base}/api/v1/repos/${f.owner}/${f.repo}/actions/runs/${f.run}/stream/ws`;
    for (const a of [anonymous, stranger, removed]) {
      const headers: Record<string, string> = a.user ? { cookie: a.user.cookie } : {};
      const [h, mm] = await Promise.all([
        openWsViewer(wsUrl(p), headers),
        openWsViewer(wsUrl(m), headers),
      ]);
      expect([a.name, h.status]).toEqual([a.name, mm.status]);
      expect(h.status).toBe(404);
      h.close();
      mm.close();
    }
    const owner = await openWsViewer(wsUrl(p), { cookie: world.actors.owner.user?.cookie ?? '' });
    expect(owner.status).toBe(101);
    await owner.waitFor((r) => r.event === 'step_output');
    owner.close();
  });

  it('refuses every internal route without a component credential', async () => {
    const findings: Finding[] = [];
    const internal = routes.filter((r) => ROUTES[r.key]?.kind === 'internal');
    const facts = world.privateRepo;
    await pool(
      internal.flatMap((r) =>
        Object.values(world.actors).map((a) => async () => {
          const path = fillPath(r.path, { kind: 'repo', fill: { id: 'run' } }, facts);
          const headers: Record<string, string> = {
            'content-type': 'application/json',
            'CF-Connecting-IP': a.ip,
            origin,
          };
          if (a.user) headers.cookie = a.user.cookie;
          if (a.token) headers.authorization = `Bearer ${a.token}`;
          const ans = await send(
            base,
            r.method,
            path,
            headers,
            r.method === 'GET' ? undefined : '{}',
          );
          if (ans.status < 400 || ans.status >= 500) {
            findings.push({ check: 'internal', route: r.key, detail: `${a.name}: ${ans.status}` });
          }
        }),
      ),
    );
    settle(findings, ['internal']);
  });

  it('lists no hidden repository to those who may not read it', async () => {
    const { anonymous, stranger, removed } = world.actors;
    const hidden = [world.privateRepo.repo, ...(flipped ? [world.flipRepo.repo] : [])];
    const findings: Finding[] = [];
    for (const a of [anonymous, stranger, removed]) {
      for (const path of [
        `/api/v1/users/${world.privateRepo.owner}/repos`,
        '/explore',
        `/${world.privateRepo.owner}`,
      ]) {
        const ans = await send(base, 'GET', path, actorHeaders(a, { kind: 'repo' }, origin));
        for (const name of hidden) {
          if (ans.body.includes(name))
            findings.push({ check: 'listing', route: path, detail: `${a.name} sees ${name}` });
        }
      }
    }
    settle(findings, ['listing']);
  });

  it('answers git over SSH on a hidden repository as on a missing one', async () => {
    const p = world.privateRepo;
    const m = world.missingRepo;
    const url = (f: RepoFacts) => `ssh://git@127.0.0.1:${bridge.port}/${f.owner}/${f.repo}.git`;
    const norm = (s: string) => s.split(p.repo).join('<repo>').split(m.repo).join('<repo>');
    const findings: Finding[] = [];
    const src = await kit.makeRepo('probe-src', 1);
    for (const name of ['stranger', 'removed'] as const) {
      const key = keys[name];
      for (const [what, args] of [
        ['ls-remote', (u: string) => ['ls-remote', u]],
        ['push', (u: string) => ['push', u, 'main']],
      ] as const) {
        const [h, mm] = await Promise.all([
          kit.git(src, args(url(p)), { port: bridge.port, key }),
          kit.git(src, args(url(m)), { port: bridge.port, key }),
        ]);
        if (h.code === 0 || h.code !== mm.code || norm(h.stderr) !== norm(mm.stderr)) {
          findings.push({
            check: 'ssh',
            route: `git ${what} over SSH`,
            detail: `${name}: hidden ${h.code} ${norm(h.stderr)} / missing ${mm.code} ${norm(mm.stderr)}`,
          });
        }
      }
    }
    const reader = await kit.git(src, ['ls-remote', url(p)], {
      port: bridge.port,
      key: keys.reader,
    });
    expect(reader.code, reader.stderr).toBe(0);
    expect(reader.stdout).toContain(p.commit);
    settle(findings, ['ssh']);
  });

  it('keeps Host and X-Forwarded-* out of every cached answer', async () => {
    const pub = world.publicRepo;
    const { anonymous } = world.actors;
    const spoofs: Record<string, string>[] = [
      { host: EVIL },
      { 'x-forwarded-host': EVIL },
      { 'x-forwarded-host': EVIL, 'x-forwarded-proto': 'http' },
      { forwarded: `host=${EVIL};proto=http` },
    ];
    const findings: Finding[] = [];
    const gets = repoRoutes().filter((r) => !mutating(r) && !r.spec.stream);
    await pool(
      gets.map((r) => async () => {
        for (const spoof of spoofs) {
          const a = await ask(r, anonymous, pub, { headers: spoof });
          if (a.status >= 500 || JSON.stringify(a).includes(EVIL)) {
            findings.push({
              check: 'spoof',
              route: r.key,
              detail: `${a.status >= 500 ? 'failed' : 'reflected'}: ${JSON.stringify(spoof)} → ${a.status}`,
            });
          }
        }
      }),
    );
    // Then ordinary requests must not get what the spoofed ones left in the cache.
    await pool(
      gets.map((r) => async () => {
        const clean = await ask(r, anonymous, pub);
        if (JSON.stringify(clean).includes(EVIL)) {
          findings.push({
            check: 'spoof',
            route: r.key,
            detail: 'poisoned: a later clean request gets the spoofed host',
          });
        }
      }),
    );
    expect(gets.filter((r) => r.spec.cached).length).toBeGreaterThan(10);
    settle(findings, ['spoof']);
  });

  it('answers hostile names and pkt-lines with a clean error, never a 500', async () => {
    const { owner, anonymous } = world.actors;
    const p = world.privateRepo;
    const findings: Finding[] = [];
    await pool(
      repoRoutes().flatMap((r) =>
        [{ owner: 'a%00b' }, { repo: 'a%00b' }].map((raw) => async () => {
          const a = await ask(r, anonymous, p, { raw });
          if (a.status >= 500 || (a.status < 400 && r.method === 'GET')) {
            findings.push({
              check: 'nul',
              route: r.key,
              detail: `${a.status} ${JSON.stringify(raw)}`,
            });
          }
        }),
      ),
    );
    // Hostile pkt-lines to the owner's own repository (past authorisation, into the parsers):
    // longer than git allows (65520 bytes), a bad length, a cut-off line, a huge argument, random.
    const pkt = (t: string) => (t.length + 4).toString(16).padStart(4, '0') + t;
    const random = Array.from({ length: 4096 }, () =>
      String.fromCharCode(Math.floor(Math.random() * 128)),
    ).join('');
    const bodies: Record<string, string> = {
      oversized: 'ffff' + 'x'.repeat(70_000),
      'oversized after a command': pkt('command=ls-refs\n') + '0001' + 'fff5' + 'x'.repeat(70_000),
      'bad length': 'zzzz',
      truncated: '00',
      'huge argument':
        pkt('command=fetch\n') + '0001' + pkt(`want ${'a'.repeat(65_000)}\n`) + '0000',
      random,
    };
    const spec: RepoRoute = { kind: 'repo', git: true };
    for (const service of ['git-upload-pack', 'git-receive-pack']) {
      for (const protocol of ['', 'version=2']) {
        for (const [name, body] of Object.entries(bodies)) {
          const a = await send(
            base,
            'POST',
            `/${p.owner}/${p.repo}/${service}`,
            {
              ...actorHeaders(owner, spec, origin),
              'content-type': `application/x-${service}-request`,
              ...(protocol ? { 'git-protocol': protocol } : {}),
            },
            body,
          );
          if (a.status >= 500) {
            findings.push({
              check: 'pkt',
              route: `${service} ${protocol}`,
              detail: `${a.status} on ${name}: ${a.body.slice(0, 200)}`,
            });
          }
        }
      }
    }
    settle(findings, ['nul', 'pkt']);
  });

  it('refuses hostile sign-in messages', async () => {
    const findings: Finding[] = [];
    // Signed for a phishing site and posted with its Host.
    const phish = await siweAttempt(base, { domain: EVIL, uri: `http://${EVIL}` });
    const viaHost = await send(
      base,
      'POST',
      '/api/v1/auth/verify',
      { host: EVIL, 'content-type': 'application/json', 'CF-Connecting-IP': randomClientIp() },
      JSON.stringify({ message: phish.message, signature: phish.signature }),
    );
    if (viaHost.status < 300 || viaHost.status >= 500) {
      findings.push({
        check: 'siwe-host',
        route: 'POST /api/v1/auth/verify',
        detail: `${viaHost.status}`,
      });
    }
    // Statements outside EIP-4361's grammar or length limits, each properly signed.
    const statements: Record<string, string> = {
      NUL: 'Sign in\u0000 to Plue.',
      CR: 'Sign in\r to Plue.',
      'RTL override': 'Sign in to \u202eeulP.',
      'non-ASCII': 'Sign in to Plüe.',
      'too long': 'Sign in to Plue. '.repeat(1000),
    };
    for (const [name, statement] of Object.entries(statements)) {
      const account = privateKeyToAccount(generatePrivateKey());
      const nonce = await getNonce(base);
      const message = siweMessage({ account, baseUrl: base, nonce }).replace(
        'Sign in to Plue.',
        statement,
      );
      const signature = await account.signMessage({ message });
      const res = await postVerify(base, { message, signature });
      await res.body?.cancel();
      if (res.status < 300 || res.status >= 500) {
        findings.push({
          check: 'siwe-statement',
          route: 'POST /api/v1/auth/verify',
          detail: `${res.status} (${name})`,
        });
      }
    }
    settle(findings, ['siwe-host', 'siwe-statement']);
  });
});
