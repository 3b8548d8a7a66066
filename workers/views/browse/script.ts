/**
 * The code browser's small progressive script (inlined; plain browser JavaScript): copy
 * buttons, `#L10-L20` line-range highlighting with shift-click to extend, and the keyboard
 * shortcuts `y` (permalink: the ref in the URL becomes the commit id), `t` (focus the file
 * filter) and `/` (focus the search / filter box); and the live commit statuses (a fragment
 * fetched into each `data-statuses` slot, and one state per row of commit lists); the ref switcher of a page pinned to a commit id,
 * filled from the API when opened.
 */
export const BROWSE_SCRIPT = `(() => {
'use strict';
document.querySelectorAll('button[data-copy]').forEach((b) => {
  b.hidden = false;
  b.addEventListener('click', () => {
    const el = document.getElementById(b.dataset.copy);
    if (!el) return;
    navigator.clipboard.writeText(el.value || el.textContent || '').then(() => {
      const t = b.textContent; b.textContent = 'Copied'; setTimeout(() => { b.textContent = t; }, 1200);
    });
  });
});
function range() {
  const m = /^#L(\\d+)(?:-L(\\d+))?$/.exec(location.hash);
  document.querySelectorAll('tr.hl').forEach((r) => r.classList.remove('hl'));
  if (!m) return null;
  const a = Number(m[1]), b = Number(m[2] || m[1]);
  for (let i = Math.min(a, b); i <= Math.max(a, b); i++) document.getElementById('L' + i)?.classList.add('hl');
  return a;
}
let anchor = range();
document.querySelectorAll('table.code td.ln a').forEach((a) => {
  a.addEventListener('click', (e) => {
    const n = Number(a.textContent);
    if (e.shiftKey && anchor) { e.preventDefault(); history.replaceState(null, '', '#L' + Math.min(anchor, n) + '-L' + Math.max(anchor, n)); range(); }
    else anchor = n;
  });
});
window.addEventListener('hashchange', () => { anchor = range(); });
document.addEventListener('keydown', (e) => {
  const t = e.target;
  if (e.ctrlKey || e.metaKey || e.altKey || (t && /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
  const root = document.getElementById('browse');
  const permalink = root && root.dataset.permalink;
  if (e.key === 'y' && permalink) { e.preventDefault(); location.replace(permalink + location.hash); }
  else if (e.key === 't' || e.key === '/') {
    const f = document.getElementById('file-filter');
    if (f) { e.preventDefault(); f.focus(); }
  }
});
const filter = document.getElementById('file-filter');
if (filter) {
  filter.hidden = false;
  filter.addEventListener('input', () => {
    const q = filter.value.toLowerCase();
    document.querySelectorAll('table.files tbody tr').forEach((r) => { r.hidden = q !== '' && !(r.dataset.name || '').toLowerCase().includes(q); });
  });
}
// A page pinned to a commit id lists no refs (it is cached whatever the branches do): its ref
// switcher loads branches and tags from the API when first opened.
document.querySelectorAll('details.refs[data-refs]').forEach((d) => {
  let loaded = false;
  d.addEventListener('toggle', () => {
    if (!d.open || loaded) return;
    loaded = true;
    const get = (kind) => fetch(d.dataset.refs + '/' + kind + '?per_page=100', { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : []));
    Promise.all([get('branches'), get('tags')]).then(([branches, tags]) => {
      const box = d.querySelector('.notice');
      if (!box) return;
      const section = (title, refs) => {
        if (refs.length === 0) return;
        const h = document.createElement('strong');
        h.textContent = title;
        const ul = document.createElement('ul');
        for (const r of refs) {
          const a = document.createElement('a');
          a.className = 'mono';
          a.textContent = r.name;
          a.href = d.dataset.link.replace('__REF__', r.name.split('/').map(encodeURIComponent).join('/'));
          const li = document.createElement('li');
          li.appendChild(a);
          ul.appendChild(li);
        }
        box.insertBefore(ul, box.firstChild);
        box.insertBefore(h, ul);
      };
      section('Tags', tags);
      section('Branches', branches);
    }).catch(() => undefined);
  });
});
// Commit statuses change while the page around them is cached by commit id: load them live.
document.querySelectorAll('[data-statuses]').forEach((el) => {
  fetch(el.dataset.statuses, { credentials: 'same-origin', headers: { accept: 'text/html' } })
    .then((r) => (r.ok ? r.text() : ''))
    .then((html) => { el.innerHTML = html; })
    .catch(() => undefined);
});
// Commit lists: one request for the combined state of every commit shown, as an icon per row
// (a symbol and a title, never colour alone).
const STATE_ICON = { success: ['✓', 'state-success'], failure: ['✗', 'state-failure'], error: ['✗', 'state-failure'], pending: ['●', 'muted'] };
document.querySelectorAll('[data-commit-states]').forEach((list) => {
  fetch(list.dataset.commitStates, { credentials: 'same-origin', headers: { accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : { states: {} }))
    .then((body) => {
      list.querySelectorAll('.status-icon[data-sha]').forEach((el) => {
        const state = body.states[el.dataset.sha];
        const icon = STATE_ICON[state];
        if (!icon) return;
        el.textContent = icon[0];
        el.className = 'status-icon ' + icon[1];
        el.title = 'Checks: ' + state;
        el.setAttribute('aria-label', 'Checks: ' + state);
        el.setAttribute('role', 'img');
      });
    })
    .catch(() => undefined);
});
})();`;
