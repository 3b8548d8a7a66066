/**
 * receive.fsckObjects for pushes: every commit, tree and tag of an incoming pack is checked as
 * git's `index-pack --strict` does (model/fsck.ts). The first refusing problem aborts the push
 * with git's wording (`object <oid>: hasDotgit: contains '.git'`), which the client prints as
 * `error: remote unpack failed: …`; problems git only warns about are kept to be shown as
 * `remote: warning: …` lines.
 */
import { ObjectFormatError, PackError } from '../../../common/git/errors';
import { fsckGitattributes, fsckGitmodules } from '../../../common/git/fsck-blobs';
import {
  firstError,
  formatProblem,
  fsckObject,
  type FsckProblem,
  type SpecialBlobs,
} from '../../../common/git/fsck';
import { fsckAndLink } from '../../../common/git/fsck-links';
import type { ObjectType } from '../../../common/git/object';
import type { OidSet } from '../../../common/git/oid-set';
import type { ReportedObject } from '../../../common/git/pack-indexer';

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

  /** `.gitmodules` and `.gitattributes` blobs named by the pushed trees. */
  private readonly special: SpecialBlobs = { gitmodules: new Set(), gitattributes: new Set() };

  /** Whether pushed trees named `.gitmodules` or `.gitattributes` blobs. */
  get hasSpecialBlobs(): boolean {
    return this.special.gitmodules.size > 0 || this.special.gitattributes.size > 0;
  }

  /** Checks one object; throws IncomingObjectError when git would refuse it. */
  check(o: ReportedObject): void {
    if (o.type === 'blob') return;
    this.judge(o, fsckObject(o.type, o.body, this.special));
  }

  /**
   * Checks one object as `check` does and adds the ids it points at to `links` (addLinks of
   * object-links.ts), reading it once; throws IncomingObjectError, or ObjectFormatError for a
   * tree or commit addLinks cannot read.
   */
  checkAndLink(o: ReportedObject, links: OidSet): void {
    if (o.type === 'blob') return;
    const checked = fsckAndLink(o.type, o.body, this.special, links);
    this.judge(o, checked.problems);
    if (checked.linkError !== undefined) throw new ObjectFormatError(checked.linkError);
  }

  /**
   * Checks the `.gitmodules` / `.gitattributes` blobs the pushed trees name and the pushed pack
   * holds, once the pack is in (a blob may come before the tree naming it). Blobs stored earlier
   * were checked when they came.
   */
  async checkSpecialBlobs(
    inPack: (oid: string) => boolean,
    read: (oid: string) => Promise<{ type: ObjectType; body: Uint8Array } | undefined>,
  ): Promise<void> {
    for (const [kind, oids] of [
      ['gitmodules', this.special.gitmodules],
      ['gitattributes', this.special.gitattributes],
    ] as const) {
      for (const oid of oids) {
        if (!inPack(oid)) continue;
        const obj = await read(oid);
        if (!obj) continue;
        if (obj.type !== 'blob') {
          const id = kind === 'gitmodules' ? 'gitmodulesBlob' : 'gitattributesBlob';
          this.judge({ oid }, [{ id, error: true, message: `non-blob found at .${kind}` }]);
          continue;
        }
        this.judge(
          { oid },
          kind === 'gitmodules' ? fsckGitmodules(obj.body) : fsckGitattributes(obj.body),
        );
      }
    }
  }

  /** `o.oid` is read only when there is a problem: it builds a hex string. */
  private judge(o: { readonly oid: string }, problems: FsckProblem[]): void {
    if (problems.length === 0) return;
    const oid = o.oid;
    for (const p of problems) {
      if (!p.error && this.warnings.length < MAX_WARNINGS)
        this.warnings.push(`warning: ${formatProblem(oid, p)}`);
    }
    const err = firstError(problems);
    if (err) throw new IncomingObjectError(formatProblem(oid, err));
  }
}
