/**
 * Benchmark repositories, generated deterministically with bench/fixtures/make-repo.py and
 * cached under .plue/bench/ so repeated runs reuse them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../scripts/node22';

export const MAKE_REPO = join(ROOT, 'bench', 'fixtures', 'make-repo.py');

/** True when `npm run bench` should use the full default sizes (the figures). */
export function fullSize(): boolean {
  return process.env.PLUE_BENCH_QUICK !== '1';
}

/** Path of a bare benchmark repository with the given make-repo arguments (generated once). */
export function benchRepo(args: { commits?: number; files?: number } = {}): string {
  const dir = join(ROOT, '.plue', 'bench');
  mkdirSync(dir, { recursive: true });
  const name = `repo-c${args.commits ?? 'default'}-f${args.files ?? 'default'}.git`;
  const path = join(dir, name);
  if (existsSync(join(path, 'HEAD'))) return path;
  const tmp = `${path}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const extra = [
    ...(args.commits ? ['--commits', String(args.commits)] : []),
    ...(args.files ? ['--files', String(args.files)] : []),
  ];
  console.log(`generating ${name} with make-repo.py ${extra.join(' ')} …`);
  execFileSync('python3', [MAKE_REPO, tmp, '--bare', ...extra], { stdio: 'inherit' });
  renameSync(tmp, path);
  return path;
}
