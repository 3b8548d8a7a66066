/**
 * receive.fsckObjects for pushes: every commit, tree and tag of an incoming pack is checked as
 * git's `index-pack --strict` does (model/fsck.ts). The first refusing problem aborts the push
 * with git's wording (`object <oid>: hasDotgit: contains '.git'`), which the client prints as
 * `error: remote unpack failed: …`; problems git only warns about are kept to be shown as
 * `remote: warning: …` lines.
 */
import { PackError } from '../../git/model/errors';
import { firstError, formatProblem, fsckObject } from '../../git/model/fsck';
import type { ReportedObject } from '../../git/model/pack-indexer';

/**
 * An incoming object git's fsck refuses; the message is git's own line for it. A PackError, so
 * the pack indexer passes it on unwrapped.
 */
export class IncomingObjectError extends PackError {
  override name = 'IncomingObjectError';
}

const MAX_WARNINGS = 20;

export class IncomingObjectChecker {
  /** Warnings to show the pusher (at most MAX_WARNINGS). */
  readonly warnings: string[] = [];

  /** Checks one object; throws IncomingObjectError when git would refuse it. */
  check(o: ReportedObject): void {
    if (o.type === 'blob') return;
    const problems = fsckObject(o.type, o.body);
    if (problems.length === 0) return;
    for (const p of problems) {
      if (!p.error && this.warnings.length < MAX_WARNINGS)
        this.warnings.push(`warning: ${formatProblem(o.oid, p)}`);
    }
    const err = firstError(problems);
    if (err) throw new IncomingObjectError(formatProblem(o.oid, err));
  }
}
