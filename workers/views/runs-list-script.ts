/**
 * The runs list's script (plain browser JavaScript, inlined by runs-list-page.tsx). It follows
 * the repository's live feed of runs (`data-feed`: GET /api/v1/repos/{owner}/{repo}/actions/live,
 * Server-Sent Events) and, when a run is queued, starts or completes, fetches its own URL and
 * swaps in the new `#runs-live` part (changes that come together are fetched once). While the
 * feed is connected it looks by itself only every 60 s (a change it missed while reconnecting);
 * without it (no EventSource, the feed refused or closed) it falls back to looking every 3 s while
 * a run is queued or running (or a requested run is awaited), every 15 s otherwise. Never while
 * the tab is hidden, and not at all after an hour on the page (a reload starts again). Without
 * JavaScript the page is a plain list.
 */
export const RUNS_LIST_SCRIPT = `(() => {
'use strict';
const STOP_AFTER = 3600e3, started = Date.now();
let timer = null, soon = null, feed = null;
function live() { return document.getElementById('runs-live'); }
function over() { return Date.now() - started > STOP_AFTER; }
function connected() { return feed !== null && feed.readyState === 1; }
function later() {
  clearTimeout(timer);
  if (over() || document.hidden) return;
  const el = live();
  timer = setTimeout(refresh, connected() ? 60000 : el && el.dataset.busy === '1' ? 3000 : 15000);
}
async function refresh() {
  try {
    const res = await fetch(location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
    if (res.ok) {
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const next = doc.getElementById('runs-live'), cur = live();
      if (next && cur && next.innerHTML !== cur.innerHTML) {
        cur.innerHTML = next.innerHTML;
        cur.dataset.busy = next.dataset.busy;
      } else if (next && cur) cur.dataset.busy = next.dataset.busy;
    }
  } catch (err) { console.error(err); }
  later();
}
function changed() {
  if (document.hidden || soon !== null) return;
  soon = setTimeout(() => { soon = null; refresh(); }, 100);
}
function follow() {
  const url = live() && live().dataset.feed;
  if (!url || typeof EventSource === 'undefined' || over() || document.hidden) return;
  feed = new EventSource(url);
  feed.addEventListener('run', changed);
  feed.onopen = () => later();
  // EventSource reconnects by itself after a dropped stream; closed for good (a refusal), the
  // page falls back to looking by itself.
  feed.onerror = () => { if (feed && feed.readyState === 2) { feed = null; later(); } };
}
function unfollow() { if (feed) { feed.close(); feed = null; } }
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) { follow(); refresh(); } else { clearTimeout(timer); unfollow(); }
});
setTimeout(unfollow, STOP_AFTER);
follow();
later();
})();`;
