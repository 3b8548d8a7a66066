/**
 * The blob page: breadcrumbs, size, raw/history links, then the highlighted lines with
 * numbered anchors (`#L10`, ranges via the script), rendered markdown (with `?plain=1` for the
 * source), inline images, or a notice for binary and too-large files.
 */
import { raw } from 'hono/html';
import type { BlobView, CommitInfo } from '../../services/browse/data-tree';
import {
  ChangeId,
  Crumbs,
  RepoPage,
  refUrl,
  repoBase,
  ShortSha,
  Time,
  type RepoRef,
} from './common';
import { RefSwitcher, type RefChoice } from './tree-page';
import { countOf } from '../count';

export interface BlobPageProps {
  r: RepoRef;
  user?: { login: string } | undefined;
  ref: string;
  path: string[];
  commit: CommitInfo;
  blobOid: string;
  view: BlobView;
  /** Undefined on a pinned page: the switcher loads them when opened. */
  refs: RefChoice | undefined;
  markdownHtml?: string;
  plain: boolean;
  now: number;
}

function size(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function BlobPage(p: BlobPageProps) {
  const pathStr = p.path.join('/');
  const rawUrl = refUrl(p.r, 'raw', p.ref, pathStr);
  const v = p.view;
  const showMarkdown = p.markdownHtml !== undefined && !p.plain;
  return (
    <RepoPage
      title={`${pathStr} at ${p.ref}`}
      user={p.user}
      repo={p.r}
      permalink={refUrl(p.r, 'blob', p.commit.oid, pathStr)}
    >
      <div class="bar">
        <RefSwitcher
          r={p.r}
          current={p.ref}
          refs={p.refs}
          link={(ref) => refUrl(p.r, 'blob', ref, pathStr)}
        />
        <Crumbs r={p.r} ref={p.ref} path={p.path} />
      </div>
      <div class="latest">
        <span>{p.commit.author}</span>
        <a href={`${repoBase(p.r)}/commit/${p.commit.oid}`}>{p.commit.summary}</a>
        <ShortSha oid={p.commit.oid} href={`${repoBase(p.r)}/commit/${p.commit.oid}`} />
        <ChangeId r={p.r} id={p.commit.changeId} />
        <Time t={p.commit.time} now={p.now} />
      </div>
      <div class="blob-head">
        <span>
          {v.lines ? `${countOf(v.lines.length, 'line')} · ` : ''}
          {size(v.size)}
        </span>
        <span class="sha" title={`blob ${p.blobOid}`}>
          {p.blobOid.slice(0, 10)}
        </span>
        {p.markdownHtml !== undefined &&
          (p.plain ? <a href="?">Rendered</a> : <a href="?plain=1">Source</a>)}
        <a href={rawUrl}>Raw</a>
        <a href={`${refUrl(p.r, 'commits', p.ref)}?path=${encodeURIComponent(pathStr)}`}>History</a>
      </div>
      {v.image ? (
        <div class="notice">
          <img src={rawUrl} alt={pathStr} style="max-width:100%" />
        </div>
      ) : v.binary ? (
        <p class="notice">
          Binary file not shown. <a href={rawUrl}>Download it</a>.
        </p>
      ) : v.tooLarge ? (
        <p class="notice">
          This file is too large to show ({size(v.size)}). <a href={rawUrl}>View it raw</a>.
        </p>
      ) : showMarkdown ? (
        <div class="readme" style="margin-top:0">
          <div class="markdown">{raw(p.markdownHtml ?? '')}</div>
        </div>
      ) : (
        <div class="code-wrap">
          <table class="code">
            <tbody>
              {(v.lines ?? []).map((line, i) => (
                <tr id={`L${i + 1}`}>
                  <td class="ln">
                    <a href={`#L${i + 1}`}>{i + 1}</a>
                  </td>
                  <td>{raw(line)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </RepoPage>
  );
}
