/**
 * Archives of any ref: `GET /{owner}/{repo}/archive/{ref}.tar.gz` and `.zip` (the ref may be a
 * branch, a tag, a commit id or a full ref name such as `refs/heads/feature/x`), and the API's
 * `GET /repos/{owner}/{repo}/tarball/{ref}` and `/zipball/{ref}` (default branch when the ref is
 * left out). Authorised like any read; streamed; the ETag names the commit and the format, and
 * an archive addressed by a full commit id is immutable.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../../env';
import { AppError } from '../../../../common/errors';
import { archiveStream, type ArchiveFormat } from '../../../services/browse/archive';
import { readCommit } from '../../../services/browse/objects';
import { headBranch } from '../../../services/browse/resolve-ref';
import { matchesEtag } from '../../../services/cache/cache';
import { isFullOid, openBrowse, resolve } from './context';

const TYPES: Record<ArchiveFormat, string> = {
  'tar.gz': 'application/gzip',
  zip: 'application/zip',
};

/** `app-main`, `app-feature-x`, `app-v1.0`: the archive's top folder and file name. */
export function archiveBaseName(repo: string, ref: string): string {
  const short = ref.replace(/^refs\/(heads|tags)\//, '').replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${repo}-${short}`;
}

/** The archive of `ref` (the default branch when undefined) in `format`. */
export async function archiveResponse(
  c: Context<AppEnv>,
  ref: string | undefined,
  format: ArchiveFormat,
): Promise<Response> {
  const b = await openBrowse(c);
  const name = ref ?? headBranch(b.repo.state);
  const commit = (await resolve(b, name)).commit;
  const etag = `"archive-${commit}-${format}"`;
  const cacheControl = !b.repo.shared
    ? 'private, no-store'
    : isFullOid(name)
      ? 'public, max-age=31536000, immutable'
      : 'public, max-age=60';
  const headers: Record<string, string> = { ETag: etag, 'Cache-Control': cacheControl };
  if (matchesEtag(c.req.header('If-None-Match'), etag)) {
    return new Response(null, { status: 304, headers });
  }
  const parsed = await readCommit(b.repo.reader, commit);
  const base = archiveBaseName(b.repo.name, name);
  const body = archiveStream(
    {
      reader: b.repo.reader,
      commit,
      tree: parsed.tree,
      time: parsed.committer.timestamp,
      prefix: `${base}/`,
    },
    format,
  );
  return new Response(body, {
    headers: {
      ...headers,
      'Content-Type': TYPES[format],
      'Content-Disposition': `attachment; filename="${base}.${format}"`,
      'X-Content-Type-Options': 'nosniff',
    },
  });
}

/** `{ref}.tar.gz` or `{ref}.zip` from the rest of an `/archive/` URL. */
function archiveSpec(c: Context<AppEnv>): { ref: string; format: ArchiveFormat } {
  let rest: string;
  try {
    rest = decodeURIComponent(c.req.path.split('/').slice(4).join('/'));
  } catch {
    throw AppError.invalid('Malformed URL', 'path_invalid');
  }
  const m = /^(.+)\.(tar\.gz|zip)$/.exec(rest);
  if (!m?.[1]) {
    throw AppError.notFound('Archives are {ref}.tar.gz or {ref}.zip', 'archive_not_found');
  }
  return { ref: m[1], format: m[2] === 'zip' ? 'zip' : 'tar.gz' };
}

export const archivePageRoutes = new Hono<AppEnv>().get('/:owner/:repo/archive/*', (c) => {
  const { ref, format } = archiveSpec(c);
  return archiveResponse(c, ref, format);
});
