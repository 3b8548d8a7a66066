import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../../env';
import { bellWait, ringClaims } from './claim-bell';

/** An env whose bell behaves as `stub` says (a namespace of one object). */
function envWith(stub: object | (() => never)): Pick<Env, 'CLAIM_BELL'> {
  const namespace = {
    idFromName: (name: string) => name,
    get: () => (typeof stub === 'function' ? stub() : stub),
  };
  return { CLAIM_BELL: namespace as unknown as Env['CLAIM_BELL'] };
}

describe('claims doorbell, Worker side', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a ring that fails, or a bell that is missing, never fails its caller', async () => {
    await expect(
      ringClaims(envWith({ ring: () => Promise.reject(new Error('reset')) })),
    ).resolves.toBeUndefined();
    await expect(
      ringClaims(
        envWith(() => {
          throw new Error('no binding');
        }),
      ),
    ).resolves.toBeUndefined();
    const later: Promise<unknown>[] = [];
    const rung: string[] = [];
    const env = envWith({ ring: async () => void rung.push('rang') });
    await ringClaims(env, { waitUntil: (p) => void later.push(p) });
    await Promise.all(later);
    expect([later.length, rung]).toEqual([1, ['rang']]);
  });

  it('a wait answers undefined when the bell fails or never answers', async () => {
    const since = { at: 0 };
    const failing = bellWait(envWith({ wait: () => Promise.reject(new Error('reset')) }));
    expect(await failing(since, 5000)).toBeUndefined();
    let answer: unknown = 'pending';
    const silent = bellWait(envWith({ wait: () => new Promise(() => undefined) }));
    void silent(since, 5000).then((a) => (answer = a));
    await vi.advanceTimersByTimeAsync(5000);
    expect(answer).toBe('pending');
    await vi.advanceTimersByTimeAsync(2000);
    expect(answer).toBeUndefined();
    const rung = { rang: true, mark: { incarnation: 'a', seq: 3 } };
    expect(await bellWait(envWith({ wait: async () => rung }))(since, 5000)).toEqual(rung);
  });
});
