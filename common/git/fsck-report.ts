/**
 * How fsck findings are recorded: git's camel-cased message ids with git's severities (errors
 * refuse the object; "info" findings are shown as warnings). Shared by the tree checks
 * (fsck.ts) and the commit and tag checks (fsck-commit.ts).
 */

/** One finding: git's camel-cased message id, whether it refuses the object, git's text. */
export interface FsckProblem {
  id: string;
  error: boolean;
  message: string;
}

/** Messages git reports as "info" (shown as warnings, never refusing). */
const INFO_IDS = new Set([
  'badFilemode',
  'badTagName',
  'gitattributesSymlink',
  'gitignoreSymlink',
  'mailmapSymlink',
  'missingTaggerEntry',
]);

/** Collects the findings of one object. */
export class Reporter {
  readonly problems: FsckProblem[] = [];
  /** Adds a problem; returns true when it refuses the object (git then stops checking it). */
  report(id: string, message: string): boolean {
    const error = !INFO_IDS.has(id);
    this.problems.push({ id, error, message });
    return error;
  }
}
