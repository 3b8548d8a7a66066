/**
 * Rules about the repository as a whole. It is self-contained: no file cites a path outside it
 * (the notes in a sibling folder that the project began with), every design note or doc a
 * comment cites exists, and so does the section it names; the benchmark repository generator is
 * in the tree. And the tree passes lint — the dependency rule's import zones, short functions
 * (`max-lines-per-function`, on for production code), and the rest: CI runs the tests, not the
 * linter, so this is where lint is enforced there.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { MAKE_REPO } from '../bench/lib/repo';
import { ROOT } from './node22';

const TEXT = /\.(ts|tsx|js|mjs|cjs|md|py|sh|toml|ya?ml|json)$|(^|\/)Dockerfile$/;

/** Tracked and new (not ignored) text files, relative to the root. */
function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((f) => TEXT.test(f) && f !== 'package-lock.json' && existsSync(join(ROOT, f)));
}

interface Citation {
  file: string;
  line: number;
  text: string;
}

/** How many leading lines of a file count as prose: all of a markdown file, else the header. */
type ProseLines = (file: string, lines: string[]) => number;

const allLines: ProseLines = (_file, lines) => lines.length;

/** A markdown file whole; of any other file, its leading comment (the module header). */
const headerLines: ProseLines = (file, lines) => {
  if (file.endsWith('.md')) return lines.length;
  const comment = /^\s*(\/\*\*?|\*|\/\/|#)/;
  const end = lines.findIndex((l) => !comment.test(l));
  return end === -1 ? lines.length : end;
};

/** Every match of `re` (global) in the repository's text files, with where it is. */
function findAll(re: RegExp, prose: ProseLines = allLines): Citation[] {
  const found: Citation[] = [];
  for (const file of repositoryFiles()) {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    const body = lines.slice(0, prose(file, lines)).join('\n');
    for (const m of body.matchAll(re)) {
      const line = body.slice(0, m.index).split('\n').length;
      found.push({ file, line, text: m[0] });
    }
  }
  return found;
}

const where = (c: Citation): string => `${c.file}:${c.line}: ${c.text}`;

/** The section numbers a markdown file's `##`/`###` headings carry ("4", "4.2"). */
function sectionsOf(path: string): Set<string> {
  const sections = new Set<string>();
  for (const m of readFileSync(path, 'utf8').matchAll(/^#{2,4} (\d+(?:\.\d+)*)\.? /gm)) {
    sections.add(m[1] as string);
  }
  return sections;
}

describe('the repository is self-contained', () => {
  // Patterns that would match their own text are built from pieces, so this file passes them.
  const outside = new RegExp(['\\.\\.', 'shared', ''].join('/'), 'g');

  it('cites no path outside the repository', () => {
    expect(findAll(outside).map(where)).toEqual([]);
  });

  it('cites design notes by their path in docs/design/, and each exists', () => {
    const bad = findAll(/[\w./-]*design\/[\w.-]+\.md/g).filter(
      (c) => !c.text.startsWith('docs/design/') || !existsSync(join(ROOT, c.text)),
    );
    expect(bad.map(where)).toEqual([]);
    // A section number must say which note it is in.
    const unnamed = new RegExp(['design', 'note §'].join(' '), 'gi');
    expect(findAll(unnamed).map(where)).toEqual([]);
  });

  it('cites docs that exist, in the docs and in module headers', () => {
    // Elsewhere `docs/a.md` is as likely test data or an example as a citation.
    const missing = findAll(/(?<![\w.-])docs\/[\w./-]+\.md/g, headerLines).filter(
      (c) => !existsSync(join(ROOT, c.text)),
    );
    expect(missing.map(where)).toEqual([]);
  });

  it('cites sections of the design notes that exist', () => {
    const cited = findAll(/docs\/design\/[\w-]+\.md[\s*/`]*§\s*\d+(?:\.\d+)*/g);
    expect(cited.length).toBeGreaterThan(5);
    const missing = cited.filter((c) => {
      const m = /(docs\/design\/[\w-]+\.md)[\s*/`]*§\s*(\d+(?:\.\d+)*)/.exec(c.text);
      const [, path, section] = m ?? [];
      return !path || !section || !sectionsOf(join(ROOT, path)).has(section);
    });
    expect(missing.map(where)).toEqual([]);
  });

  it('holds the benchmark repository generator', () => {
    expect(MAKE_REPO.startsWith(ROOT)).toBe(true);
    expect(existsSync(MAKE_REPO)).toBe(true);
  });
});

describe('functions stay short', () => {
  const rule = 'max-lines-per-function';

  it('is a lint error in production code and off in tests', async () => {
    const eslint = new ESLint({ cwd: ROOT });
    const on = await eslint.calculateConfigForFile('workers/app.ts');
    const off = await eslint.calculateConfigForFile('workers/services/git/fetch-walk.test.ts');
    expect(on.rules?.[rule]?.[0]).toBe(2);
    expect(off.rules?.[rule]).toBeUndefined();
  });
});

// CI runs the tests, not `npm run lint`: every lint rule (the dependency rule's import zones,
// function length, no unused code, …) is checked over the whole tree here.
describe('the tree passes lint', () => {
  it('has no lint error in any file', { timeout: 180_000 }, async () => {
    const eslint = new ESLint({ cwd: ROOT });
    const results = await eslint.lintFiles(['.']);
    const errors = results.flatMap((r) =>
      r.messages
        .filter((m) => m.severity === 2)
        .map((m) => `${relative(ROOT, r.filePath)}:${m.line}: ${m.ruleId ?? ''} ${m.message}`),
    );
    expect(errors).toEqual([]);
  });
});
