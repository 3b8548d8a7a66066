/**
 * Pushes from shallow clones. The client names its shallow boundaries (`shallow <oid>` lines):
 * commits whose parents it does not have, so the pack leaves those parents out. When the server
 * already stores a boundary, nothing is missing: the pack builds on history the repository holds.
 * A boundary that arrives in the pack itself would make the repository shallow; like git with
 * `receive.shallowUpdate` off, the refs whose new history reaches one are refused with
 * "shallow update not allowed", and the missing parents of such boundaries are not reported as
 * missing objects.
 */
import { parseCommit, parseTag } from '../../../common/git/object';
import type { ReportedObject } from '../../../common/git/pack-indexer';

export class ShallowPush {
  /** Links of the pack's commits and tags, recorded only for shallow pushes. */
  private readonly links = new Map<string, string[]>();
  private boundaries = new Set<string>();
  private excused = new Set<string>();

  constructor(private readonly shallow: readonly string[]) {}

  get active(): boolean {
    return this.shallow.length > 0;
  }

  /** Records a commit's parents or a tag's target (pack objects, while they stream in). */
  record(o: ReportedObject): void {
    if (!this.active) return;
    if (o.type === 'commit') this.links.set(o.oid, parseCommit(o.body).parents);
    else if (o.type === 'tag') this.links.set(o.oid, [parseTag(o.body).object]);
  }

  /**
   * After the pack is in: the boundaries it brings (in the pack, not stored before) and the
   * parents they leave out.
   */
  settle(inPack: (oid: string) => boolean, storedBefore: (oid: string) => boolean): void {
    this.boundaries = new Set(this.shallow.filter((s) => inPack(s) && !storedBefore(s)));
    this.excused = new Set([...this.boundaries].flatMap((b) => this.links.get(b) ?? []));
  }

  /** Whether `oid` may be missing: a parent that a new shallow boundary leaves out. */
  excuses(oid: string): boolean {
    return this.excused.has(oid);
  }

  /** Whether the history of `tip` within the pack reaches a new shallow boundary. */
  reachesBoundary(tip: string): boolean {
    if (this.boundaries.size === 0) return false;
    const seen = new Set<string>([tip]);
    const todo = [tip];
    for (let oid = todo.pop(); oid !== undefined; oid = todo.pop()) {
      if (this.boundaries.has(oid)) return true;
      for (const next of this.links.get(oid) ?? []) {
        if (!seen.has(next)) {
          seen.add(next);
          todo.push(next);
        }
      }
    }
    return false;
  }
}
