/**
 * The shared input schemas: field paths in messages, what the controller and the bridge send
 * passes, malformed bodies fail with the field named, and random or truncated JSON never makes
 * a schema throw (it answers with an error instead).
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { describeInputError, fieldPath, firstIssue } from './input-error';
import {
  claimRequest,
  claimedRunAnswer,
  completeRunRequest,
  evaluationReport,
  failEventRequest,
  heartbeatRequest,
  scheduleRequest,
} from './internal-controller';
import { appendAnswer, createRunRequest } from './internal-runs';
import { sshGrantAnswer, sshGrantRequest, sshLookupAnswer, sshLookupRequest } from './internal-ssh';

const fieldOf = (schema: z.ZodType, value: unknown): string => {
  const r = schema.safeParse(value);
  if (r.success) throw new Error(`accepted ${JSON.stringify(value)}`);
  return firstIssue(r.error).field;
};

describe('input errors', () => {
  it('writes field paths as JSON paths', () => {
    expect(fieldPath([])).toBe('');
    expect(fieldPath(['files', 2, 'error', 'line'])).toBe('files[2].error.line');
    expect(fieldPath([0, 'a'])).toBe('[0].a');
  });
  it('leads the message with the field', () => {
    const r = evaluationReport.safeParse({
      lease_owner: 'c',
      lease_epoch: 1,
      sha: 'ab'.repeat(20),
      files: [{ file: 'a.py', error: { message: 'x', line: 'seven' } }],
    });
    expect(r.success).toBe(false);
    if (!r.success) expect(describeInputError(r.error)).toMatch(/^files\[0\]\.error\.line: /);
    const whole = claimRequest.safeParse('not an object');
    if (!whole.success) expect(describeInputError(whole.error, 'body')).toMatch(/^body: /);
  });
});

describe('controller bodies', () => {
  it('accepts what the controller sends', () => {
    expect(claimRequest.parse({ owner: 'ctl-1', lease_seconds: 30 })).toEqual({
      owner: 'ctl-1',
      lease_seconds: 30,
      repo_owner: undefined,
    });
    expect(claimRequest.parse({ owner: 'c', repo_owner: null }).repo_owner).toBeUndefined();
    expect(heartbeatRequest.parse({ lease_owner: 'c', lease_epoch: 7 }).lease_epoch).toBe('7');
    expect(
      completeRunRequest.parse({
        lease_owner: 'c',
        lease_epoch: '3',
        conclusion: 'success',
        steps: { build: { status: 'success', exit_code: 0 }, lint: { exit_code: null } },
      }).steps?.build,
    ).toEqual({ status: 'success', exit_code: 0 });
    expect(failEventRequest.parse({ lease_owner: 'c', lease_epoch: '1' }).error).toBeUndefined();
    expect(scheduleRequest.parse({ at: '2026-01-01T00:00:00Z' }).at).toBe('2026-01-01T00:00:00Z');
  });
  it('names the bad field', () => {
    expect(fieldOf(claimRequest, { owner: 'has space' })).toBe('owner');
    expect(fieldOf(claimRequest, { owner: 'c', lease_seconds: '30' })).toBe('lease_seconds');
    expect(fieldOf(heartbeatRequest, { lease_epoch: 1 })).toBe('lease_owner');
    expect(fieldOf(heartbeatRequest, { lease_owner: 'c', lease_epoch: true })).toBe('lease_epoch');
    const complete = { lease_owner: 'c', lease_epoch: 1 };
    expect(fieldOf(completeRunRequest, { ...complete, conclusion: 'great' })).toBe('conclusion');
    expect(
      fieldOf(completeRunRequest, {
        ...complete,
        conclusion: 'success',
        steps: { s: { exit_code: 'x' } },
      }),
    ).toBe('steps.s.exit_code');
    expect(fieldOf(scheduleRequest, { at: 'yesterday' })).toBe('at');
  });
  it('checks the Worker’s claim answers on the controller’s side', () => {
    const answer = {
      run: {
        id: 1,
        run_number: 1,
        workflow_name: 'ci',
        event: 'push',
        head_sha: 'ab'.repeat(20),
        head_branch: 'main',
        attempt: 1,
        actor_id: null,
        plan: { steps: [] },
      },
      repo: { id: 2, full_name: 'a/b' },
      token: 'plue_run_x',
      secrets: {},
      lease: { owner: 'c', epoch: '4', expires_at: '2026-01-01T00:00:00Z', seconds: 30 },
    };
    expect(claimedRunAnswer.parse(answer).lease).toEqual({ owner: 'c', epoch: '4', seconds: 30 });
    expect(fieldOf(claimedRunAnswer, { ...answer, token: 5 })).toBe('token');
    expect(appendAnswer.parse({ next_seq: { s: 3 }, accepted: 1 }).next_seq).toEqual({ s: 3 });
  });
});

describe('run and SSH bodies', () => {
  it('takes a repository by id or by owner and name', () => {
    expect(createRunRequest.parse({ repo_id: 12 }).repo_id).toBe('12');
    expect(createRunRequest.parse({ owner: 'a', repo: 'b' }).repo_id).toBeUndefined();
    expect(fieldOf(createRunRequest, { repo_id: 'abc' })).toBe('repo_id');
    expect(fieldOf(createRunRequest, { owner: 'a' })).toBe('repo_id');
    expect(fieldOf(createRunRequest, { repo_id: 1, head_sha: 5 })).toBe('head_sha');
  });
  it('checks the bridge’s requests and answers', () => {
    expect(sshGrantRequest.parse({ owner: 'a', repo: 'b', action: 'read' }).action).toBe('read');
    expect(fieldOf(sshGrantRequest, { owner: 'a', repo: 'b', action: 'delete' })).toBe('action');
    expect(fieldOf(sshLookupRequest, { key: ['x'] })).toBe('key');
    expect(sshLookupAnswer.parse({ user: { id: 3, login: 'ada' } }).user).toEqual({
      id: 3,
      login: 'ada',
    });
    expect(fieldOf(sshLookupAnswer, { user: { id: '3', login: 'ada' } })).toBe('user.id');
    expect(fieldOf(sshGrantAnswer, {})).toBe('grant');
  });
});

describe('random and truncated input', () => {
  const schemas: z.ZodType[] = [
    claimRequest,
    completeRunRequest,
    evaluationReport,
    createRunRequest,
    sshGrantRequest,
    claimedRunAnswer,
  ];
  let seed = 11;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const leaf = (): unknown =>
    [null, true, 0, -1, 1.5, 'x', '', 'success', 'ab'.repeat(20), 2 ** 60][rnd(10)];
  const value = (depth: number): unknown => {
    if (depth > 3 || rnd(3) === 0) return leaf();
    if (rnd(2) === 0) return Array.from({ length: rnd(4) }, () => value(depth + 1));
    const keys = ['owner', 'lease_owner', 'lease_epoch', 'conclusion', 'steps', 'files', 'repo_id'];
    return Object.fromEntries(
      Array.from({ length: rnd(5) }, () => [keys[rnd(keys.length)], value(depth + 1)]),
    );
  };

  it('answers every random value with a result, never an exception', () => {
    for (let i = 0; i < 500; i++) {
      const v = value(0);
      for (const s of schemas) expect(() => s.safeParse(v)).not.toThrow();
    }
  });

  it('refuses every truncation of a valid body that is not itself valid JSON', () => {
    const body = JSON.stringify({
      lease_owner: 'c',
      lease_epoch: 1,
      conclusion: 'failure',
      steps: { a: { status: 'failure', exit_code: 2 } },
      message: 'boom',
    });
    expect(completeRunRequest.safeParse(JSON.parse(body)).success).toBe(true);
    for (let n = 0; n < body.length; n++) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.slice(0, n));
      } catch {
        continue; // the Worker answers body_invalid before any schema sees it
      }
      expect(completeRunRequest.safeParse(parsed).success).toBe(false);
    }
  });
});
