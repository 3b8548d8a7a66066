import { describe, expect, it } from 'vitest';
import { utf8 } from './bytes';
import { changeIdToHex } from './commit';
import { changeIdentityOfCommit, gerritToChangeId, gerritTrailer, hexToJjId } from './change-id';

const TREE = '4b825dc642cb6eb9a060e54bf8d69288fbc4904b';
const JJ = 'zyxwvutsrqponmlkzyxwvutsrqponmlk';
const sig = 'J <j@x> 1700000000 +0000';

function commit(extra: string, message: string): Uint8Array {
  return utf8(`tree ${TREE}\nauthor ${sig}\ncommitter ${sig}\n${extra}\n${message}`);
}

describe('change identity', () => {
  it('reads the first change-id header only', () => {
    expect(changeIdentityOfCommit(commit(`change-id ${JJ}\n`, 'x\n'))).toEqual({
      changeId: JJ,
      source: 'header',
    });
    // The first header does not decode to 16 bytes: no change id, even with a good one after.
    const bad = commit(`change-id abc\nchange-id ${JJ}\n`, 'x\n');
    expect(changeIdentityOfCommit(bad)).toBeUndefined();
    expect(changeIdentityOfCommit(commit(`change-id ${JJ.slice(1)}\n`, 'x\n'))).toBeUndefined();
    expect(changeIdentityOfCommit(commit('', 'plain\n'))).toBeUndefined();
  });

  it('lets a Gerrit trailer in the last paragraph win over the header', () => {
    const id = 'I' + 'ab'.repeat(20);
    const body = commit(`change-id ${JJ}\n`, `subject\n\nbody\n\nChange-Id: ${id}\n`);
    expect(changeIdentityOfCommit(body)).toEqual({ changeId: id, source: 'trailer' });
  });

  it('ignores a Change-Id line outside the last paragraph or in a one-line message', () => {
    const id = 'I' + '12'.repeat(20);
    expect(gerritTrailer(`Change-Id: ${id}\n`)).toBeUndefined();
    expect(gerritTrailer(`s\n\nChange-Id: ${id}\n\nmore text\n`)).toBeUndefined();
    expect(gerritTrailer(`s\n\nSigned-off-by: a <a@b>\nChange-Id: ${id}\n`)).toBe(id);
    expect(gerritTrailer(`s\n\nChange-Id: I${'1'.repeat(39)}\n`)).toBeUndefined();
  });

  it("maps jj gerrit upload's trailer back to the jj id", () => {
    const trailer = `I${changeIdToHex(JJ)}6a6a6964`;
    expect(trailer).toHaveLength(41);
    expect(gerritToChangeId(trailer)).toBe(JJ);
    expect(hexToJjId(changeIdToHex(JJ))).toBe(JJ);
    const body = commit('', `subject\n\nChange-Id: ${trailer}\n`);
    expect(changeIdentityOfCommit(body)?.changeId).toBe(JJ);
  });

  it('answers undefined, never throws, on truncated and random bytes', () => {
    const whole = commit(`change-id ${JJ}\n`, 'subject\n\nChange-Id: I' + 'cd'.repeat(20) + '\n');
    for (let n = 0; n < whole.length; n++) {
      const got = changeIdentityOfCommit(whole.subarray(0, n));
      if (got) expect(['header', 'trailer']).toContain(got.source);
    }
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let k = 0; k < 300; k++) {
      const bytes = new Uint8Array(rand() % 400);
      for (let i = 0; i < bytes.length; i++) bytes[i] = rand() & 0xff;
      expect(() => changeIdentityOfCommit(bytes)).not.toThrow();
    }
  });
});
