/**
 * A landing's whole stack for its page, bottom first: down through the changes its latest
 * revision sits on (each one's landing onto the same target; the walk stops after a landing that
 * is no longer open, which is shown with its state), and up through the open landings sitting on
 * it (at a fork, every landing of that level is listed and the walk follows the first).
 * Bounded, and safe against cycles.
 */
import type { Db } from '../../../db/client';
import {
  landingOfChange,
  openLandingsOn,
  type StackEntry,
} from '../../../db/queries/landing-stack';

export type { StackEntry };

const MAX_DEPTH = 50;

/** The stack `self` belongs to, bottom first (just `self` when it is in no stack). */
export async function stackOf(
  db: Db,
  repoId: string,
  target: string,
  self: StackEntry,
): Promise<StackEntry[]> {
  const seen = new Set([self.number]);
  const below: StackEntry[] = [];
  for (let pc = self.parent_change_id; pc !== null && below.length < MAX_DEPTH;) {
    const e = await landingOfChange(db, repoId, target, pc);
    if (!e || seen.has(e.number)) break;
    seen.add(e.number);
    below.unshift(e);
    if (e.landing_state !== 'open') break;
    pc = e.parent_change_id;
  }
  const above: StackEntry[] = [];
  for (let cur = self.change_id; cur !== null && above.length < MAX_DEPTH;) {
    const level = (await openLandingsOn(db, repoId, target, cur)).filter(
      (e) => !seen.has(e.number),
    );
    const [next] = level;
    if (!next) break;
    for (const e of level) seen.add(e.number);
    above.push(...level);
    cur = next.change_id;
  }
  return [...below, self, ...above];
}
