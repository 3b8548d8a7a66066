import { describe, expect, it } from 'vitest';
import { parsePktLines, pktLineText } from '../../../common/git/pkt-line';
import { advertiseReceivePack } from './advertise';

const A = 'a'.repeat(40);

describe('advertiseReceivePack', () => {
  it('lists refs stored before names were checked, capabilities on a line that fits', () => {
    const huge = `refs/heads/${'x'.repeat(65_440)}`; // fits alone, not with capabilities
    const tooBig = `refs/heads/${'y'.repeat(65_500)}`; // fits in no pkt-line
    const long = `refs/heads/${'z'.repeat(300)}`;
    const bytes = advertiseReceivePack(
      {
        refs: [
          { name: huge, oid: A },
          { name: long, oid: A },
          { name: 'refs/heads/main', oid: A },
          { name: tooBig, oid: A },
        ],
      },
      'plue/test',
    );
    const text = parsePktLines(bytes).map(pktLineText);
    expect(text[0]).toBe('# service=git-receive-pack');
    const refs = text.slice(1).filter(Boolean);
    expect(refs[0]).toMatch(new RegExp(`^${A} refs/heads/z+\\0report-status`));
    expect(refs).toContain(`${A} ${huge}`);
    expect(refs).toContain(`${A} refs/heads/main`);
    expect(refs.some((l) => l.includes('yyyy'))).toBe(false);
  });

  it('advertises capabilities^{} when no ref line can carry them', () => {
    const huge = `refs/heads/${'x'.repeat(65_440)}`;
    const text = parsePktLines(advertiseReceivePack({ refs: [{ name: huge, oid: A }] }, 'p'))
      .map(pktLineText)
      .filter(Boolean);
    expect(text[1]).toMatch(/^0{40} capabilities\^\{\}\0report-status/);
    expect(text[2]).toBe(`${A} ${huge}`);
  });
});
