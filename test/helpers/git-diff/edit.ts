/**
 * Seeded edits of the working tree for differential runs: small text files in a few folders and
 * one binary file; each edit writes new content, copies another file's content (one blob under
 * two names), writes an earlier content again (old blobs and trees reappear in later packs) or
 * deletes a file. Then commits, with the step's fixed dates.
 */
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { World } from './world';

const FILES = ['README.md', 'a.txt', 'src/b.txt', 'src/deep/c.txt', 'docs/d.md', 'bin.dat'];

function randomText(w: World): string {
  const n = w.rng.int(1, 6);
  let s = '';
  for (let i = 0; i < n; i++) s += `line ${w.rng.int(0, 9999)} ${'x'.repeat(w.rng.int(0, 40))}\n`;
  return s;
}

function randomBinary(w: World): string {
  let s = '';
  const n = w.rng.int(16, 200);
  for (let i = 0; i < n; i++) s += String.fromCharCode(w.rng.int(0, 255));
  return s;
}

function present(w: World): string[] {
  return FILES.filter((f) => existsSync(join(w.work, f)));
}

/** Applies one to three random edits and commits them (an empty commit if they cancel out). */
export async function editAndCommit(w: World, label: string): Promise<string> {
  const edits = w.rng.int(1, 3);
  const done: string[] = [];
  for (let i = 0; i < edits; i++) {
    const file = w.rng.pick(FILES);
    const full = join(w.work, file);
    const kind = w.rng.weighted([
      ['write', 6],
      ['copy', 2],
      ['again', 2],
      ['delete', 1],
    ] as const);
    let content: string | undefined;
    if (kind === 'delete') {
      if (existsSync(full) && present(w).length > 1) {
        rmSync(full);
        done.push(`rm ${file}`);
      }
      continue;
    }
    if (kind === 'copy') {
      const from = present(w);
      if (from.length) content = readFileSync(join(w.work, w.rng.pick(from)), 'latin1');
    } else if (kind === 'again' && w.history.length) content = w.rng.pick(w.history);
    content ??= file.endsWith('.dat') ? randomBinary(w) : randomText(w);
    if (kind === 'write') {
      w.history.push(content);
      if (w.history.length > 40) w.history.shift();
    }
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content, 'latin1');
    done.push(`${kind} ${file}`);
  }
  await w.ok(['add', '-A']);
  await w.ok(['commit', '-q', '--allow-empty', '-m', `${label}: ${done.join(', ') || 'empty'}`]);
  return w.rev('HEAD');
}

/** Makes `n` commits on top of the checked-out HEAD; returns the new tip. */
export async function commits(w: World, n: number, label: string): Promise<string> {
  let tip = '';
  for (let i = 0; i < n; i++) tip = await editAndCommit(w, `${label} ${i + 1}/${n}`);
  return tip;
}
