/**
 * The runs list's script (plain browser JavaScript, inlined by runs-list-page.tsx). There is no
 * per-repository event stream, so the list refreshes itself lightly: it fetches its own URL and
 * swaps in the new `#runs-live` part — every 3 s while a run is queued or running (or a requested
 * run is awaited), every 15 s otherwise, never while the tab is hidden, and not at all after an
 * hour on the page (a reload starts again). Without JavaScript the page is a plain list.
 */
export const RUNS_LIST_SCRIPT = `(() => {
'use strict';
const STOP_AFTER = 3600e3, started = Date.now();
let timer = null;
function live() { return document.getElementById('runs-live'); }
function later() {
  clearTimeout(timer);
  if (Date.now() - started > STOP_AFTER || document.hidden) return;
  const el = live();
  timer = setTimeout(refresh, el && el.dataset.busy === '1' ? 3000 : 15000);
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
document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); else clearTimeout(timer); });
later();
})();`;
