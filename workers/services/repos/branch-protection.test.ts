import { describe, expect, it } from 'vitest';
import {
  evaluateLand,
  evaluatePush,
  REASONS,
  ruleFor,
  type LandFacts,
  type ProtectionRule,
} from './branch-protection';

function rule(over: Partial<ProtectionRule> = {}): ProtectionRule {
  return {
    id: '1',
    pattern: 'main',
    requiredApprovals: 0,
    requireLastPushApproval: false,
    dismissStaleApprovals: false,
    requiredContexts: undefined,
    strictStatusChecks: false,
    enforceAdmins: true,
    pushers: undefined,
    allowForcePushes: false,
    allowDeletions: false,
    createdAt: new Date(1000),
    ...over,
  };
}

describe('ruleFor (most specific wins)', () => {
  const rules = [
    rule({ id: '1', pattern: '*', createdAt: new Date(1) }),
    rule({ id: '2', pattern: 'release/*', createdAt: new Date(2) }),
    rule({ id: '3', pattern: 'release/1.*', createdAt: new Date(3) }),
    rule({ id: '4', pattern: 'release/1.0', createdAt: new Date(4) }),
    rule({ id: '5', pattern: 'release/?.0', createdAt: new Date(5) }),
    rule({ id: '6', pattern: 'release/[12].0', createdAt: new Date(6) }),
    rule({ id: '7', pattern: 'hot/*x', createdAt: new Date(8) }),
    rule({ id: '8', pattern: 'hot/x*', createdAt: new Date(7) }),
  ];
  it.each([
    ['main', '1'],
    ['release/1.0', '4'], // an exact name beats every pattern
    ['release/2.0', '6'], // 10 literal characters beat 9 (release/?.0) and 9 (release/1.*)
    ['release/1.5', '3'],
    ['release/x', '2'],
    ['hot/x', '8'], // equal literals and wildcards: the older rule
    ['feature/x', undefined],
  ])('%s → rule %s', (branch, id) => {
    expect(ruleFor(rules, branch)?.id).toBe(id);
  });
  it('does not depend on the order of the list', () => {
    expect(ruleFor([...rules].reverse(), 'release/2.0')?.id).toBe('6');
    expect(ruleFor([...rules].reverse(), 'hot/x')?.id).toBe('8');
  });
});

describe('evaluatePush', () => {
  const alice = { id: '10', login: 'alice', admin: false };
  const admin = { id: '11', login: 'root', admin: true };
  const update = (o: Partial<Parameters<typeof evaluatePush>[1]> = {}) => ({
    branch: 'main',
    creates: false,
    deletes: false,
    fastForward: true,
    ...o,
  });
  it.each<[string, Partial<ProtectionRule>, ReturnType<typeof update>, string[]]>([
    ['fast-forward on a plain rule', {}, update(), []],
    ['deletion', {}, update({ deletes: true, fastForward: undefined }), [REASONS.deletion]],
    ['deletion allowed', { allowDeletions: true }, update({ deletes: true }), []],
    ['rewind', {}, update({ fastForward: false }), [REASONS.force]],
    ['rewind allowed', { allowForcePushes: true }, update({ fastForward: false }), []],
    [
      'approvals',
      { requiredApprovals: 1 },
      update(),
      ['protected branch: 1 approving review required'],
    ],
    [
      'two approvals',
      { requiredApprovals: 2 },
      update(),
      ['protected branch: 2 approving reviews required'],
    ],
    ['last-push approval', { requireLastPushApproval: true }, update(), [REASONS.lastPush]],
    [
      'checks',
      { requiredContexts: ['ci'] },
      update(),
      ['protected branch: status check ci required'],
    ],
    ['no checks listed', { requiredContexts: [] }, update(), []],
    [
      'restricted, not listed',
      { pushers: [{ id: '99', login: 'bob' }] },
      update(),
      ['protected branch: alice may not push to this branch'],
    ],
    ['restricted, listed', { pushers: [{ id: '10', login: 'alice' }] }, update(), []],
    [
      'creation with approvals required',
      { requiredApprovals: 1 },
      update({ creates: true, fastForward: undefined }),
      [],
    ],
    [
      'creation by someone not listed',
      { pushers: [] },
      update({ creates: true }),
      ['protected branch: alice may not push to this branch'],
    ],
    [
      'everything at once, in order',
      { requiredApprovals: 1, requiredContexts: ['ci', 'lint'], pushers: [] },
      update({ fastForward: false }),
      [
        'protected branch: alice may not push to this branch',
        REASONS.force,
        'protected branch: 1 approving review required',
        'protected branch: status checks ci, lint required',
      ],
    ],
  ])('%s', (_name, over, u, reasons) => {
    expect(evaluatePush(rule(over), u, alice)).toEqual({ reasons, bypassed: [] });
  });

  it('lets an administrator past a rule that does not include administrators, and says so', () => {
    const r = rule({ enforceAdmins: false });
    expect(evaluatePush(r, update({ deletes: true }), admin)).toEqual({
      reasons: [],
      bypassed: [REASONS.deletion],
    });
    expect(evaluatePush(rule(), update({ deletes: true }), admin).reasons).toEqual([
      REASONS.deletion,
    ]);
    expect(evaluatePush(r, update({ deletes: true }), alice).reasons).toEqual([REASONS.deletion]);
  });
});

describe('evaluateLand', () => {
  const facts = (o: Partial<LandFacts> = {}): LandFacts => ({
    approvals: [],
    lastPusher: '10',
    currentRevision: 2,
    statuses: [],
    lander: '10',
    landerLogin: 'alice',
    force: false,
    ...o,
  });
  it.each<[string, Partial<ProtectionRule>, LandFacts, string[] | 'ok']>([
    ['nothing required', {}, facts(), 'ok'],
    ['one approval missing', { requiredApprovals: 1 }, facts(), [REASONS.approvals(1)]],
    [
      'one approval given',
      { requiredApprovals: 1 },
      facts({ approvals: [{ user: '20', revision: 2 }] }),
      'ok',
    ],
    [
      'the same user twice counts once',
      { requiredApprovals: 2 },
      facts({
        approvals: [
          { user: '20', revision: 1 },
          { user: '20', revision: 2 },
        ],
      }),
      [REASONS.approvals(2)],
    ],
    [
      'a stale approval counts when not dismissed',
      { requiredApprovals: 1 },
      facts({ approvals: [{ user: '20', revision: 1 }] }),
      'ok',
    ],
    [
      'a stale approval is dismissed',
      { requiredApprovals: 1, dismissStaleApprovals: true },
      facts({ approvals: [{ user: '20', revision: 1 }] }),
      [REASONS.approvals(1)],
    ],
    [
      'revisions compare as text and numbers alike',
      { requiredApprovals: 1, dismissStaleApprovals: true },
      facts({ approvals: [{ user: '20', revision: '2' }] }),
      'ok',
    ],
    [
      'the last pusher approving themselves does not count',
      { requiredApprovals: 1, requireLastPushApproval: true },
      facts({ approvals: [{ user: '10', revision: 2 }] }),
      [REASONS.approvals(1)],
    ],
    [
      'last-push approval with no count',
      { requireLastPushApproval: true },
      facts({ approvals: [{ user: '10', revision: 2 }] }),
      [REASONS.lastPush],
    ],
    [
      'last-push approval given by another',
      { requireLastPushApproval: true },
      facts({ approvals: [{ user: '30', revision: 2 }] }),
      'ok',
    ],
    [
      'status missing, pending, failed, passed',
      { requiredContexts: ['a', 'b', 'c', 'd'] },
      facts({
        statuses: [
          { context: 'b', state: 'pending' },
          { context: 'c', state: 'failure' },
          { context: 'd', state: 'success' },
        ],
      }),
      [
        'protected branch: required status check a is expected',
        'protected branch: required status check b is pending',
        'protected branch: required status check c is failure',
      ],
    ],
    [
      'lander not allowed to push',
      { pushers: [{ id: '30', login: 'carol' }] },
      facts(),
      ['protected branch: alice may not push to this branch'],
    ],
    ['force land', {}, facts({ force: true }), [REASONS.force]],
    ['force land allowed', { allowForcePushes: true }, facts({ force: true }), 'ok'],
  ])('%s', (_name, over, f, want) => {
    const got = evaluateLand(rule(over), f);
    if (want === 'ok') expect(got).toEqual({ ok: true, bypassed: [] });
    else expect(got).toEqual({ ok: false, reasons: want });
  });

  it('lets an administrator land past a rule that does not include administrators', () => {
    const r = rule({ requiredApprovals: 1, enforceAdmins: false });
    expect(evaluateLand(r, facts({ landerIsAdmin: true }))).toEqual({
      ok: true,
      bypassed: [REASONS.approvals(1)],
    });
    expect(evaluateLand(r, facts()).ok).toBe(false);
  });
});
