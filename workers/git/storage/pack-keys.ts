/** Where a repository's packs live in the object store: content-addressed, never rewritten. */

export function repoPrefix(repoId: string): string {
  return `repos/${repoId}/`;
}

export function packKey(repoId: string, checksumHex: string): string {
  return `${repoPrefix(repoId)}packs/pack-${checksumHex}.pack`;
}

export function idxKeyOf(packKey: string): string {
  return packKey.replace(/\.pack$/, '.idx');
}
