/**
 * The run page's script (plain browser JavaScript, inlined by run-page.tsx; kept as a string so
 * the bundler cannot rewrite it). It follows the run's SSE stream (EventSource reconnects by
 * itself with Last-Event-ID; after an HTTP error it reconnects with ?after=), turns ANSI SGR
 * colours into spans, and appends lines incrementally: incoming text is buffered per step and
 * written once per animation frame (at most LINES_PER_FRAME lines), so a 100,000-line log never
 * re-renders what is already on the page. Auto-scroll follows the end until the user scrolls
 * up; `#<step>-L<n>` anchors every line; finished successful steps collapse; stderr lines are
 * marked (class `err`). The stream also drives the rest of the page: the run's state, its
 * duration and each step's (ticking while they run, on the server's clock), a failed step's exit
 * code and a skipped step's reason, and the Cancel / Re-run buttons (run-actions.tsx). A model
 * step (data-type llm/agent) shows a transcript instead of lines (run-transcript-script.ts).
 */
import { RUN_TRANSCRIPT_SCRIPT } from './run-transcript-script';

export const RUN_LOG_SCRIPT = `(() => {
'use strict';
const root = document.getElementById('run');
if (!root) return;
const streamUrl = root.dataset.stream;
const LINES_PER_FRAME = 4000, BLOCK = 200;
const steps = new Map();
let lastId = 0, es = null, scheduled = false, follow = true, done = false, target = location.hash.slice(1);
let runDone = root.dataset.done === '1';
// The server's clock, so durations agree with the times it stamps on records.
const skew = Number(root.dataset.now) - Date.now();
const SYM = { success: '✓', failure: '✗', cancelled: '⊘', skipped: '–', timed_out: '⏱', running: '●', queued: '○' };

function fmtDur(ms) {
  if (!(ms >= 0)) return '';
  const s = Math.round(ms / 1000);
  return s < 60 ? s + 's' : s < 3600 ? Math.floor(s / 60) + 'm ' + (s % 60) + 's'
    : Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
}
// Elements with data-started show how long since then, up to data-completed (or now).
function showDur(el) {
  const from = Number(el.dataset.started);
  if (!el.dataset.started) return;
  const to = el.dataset.completed ? Number(el.dataset.completed) : Date.now() + skew;
  el.textContent = (el.id === 'run-took' ? 'took ' : '') + fmtDur(to - from);
}
function tick() {
  for (const el of document.querySelectorAll('[data-started]')) {
    if (!el.dataset.completed && !runDone) showDur(el);
  }
}
const took = document.getElementById('run-took');
function setActions(ended) {
  const cancel = document.getElementById('run-cancel'), rerun = document.getElementById('run-rerun');
  if (cancel) cancel.hidden = ended;
  if (rerun) rerun.hidden = !ended;
}
function stepOf(id) {
  let st = steps.get(id);
  if (st) return st;
  let el = root.querySelector('details.step[data-step="' + CSS.escape(id) + '"]');
  if (!el) {
    el = document.createElement('details');
    el.className = 'step'; el.dataset.step = id; el.open = true;
    el.innerHTML = '<summary><span class="st">○ queued</span> <span class="name"></span> <span class="why"></span> <span class="dur muted"></span></summary><div class="log"></div>';
    el.querySelector('.name').textContent = id;
    root.querySelector('.steps').appendChild(el);
  }
  st = { el, log: el.querySelector('.log'), n: 0, open: null, blk: null, buf: '', ansi: {}, started: null,
    model: el.dataset.type === 'llm' || el.dataset.type === 'agent', tx: null };
  steps.set(id, st);
  return st;
}
function setState(st, state, word) {
  const s = st.el.querySelector('.st');
  s.textContent = (SYM[state] || '') + ' ' + (word || state);
  s.className = 'st state-' + state;
  st.el.dataset.state = state;
}

// ANSI SGR → spans. State carries across chunks of a step.
const ESC = /\\x1b\\[([0-9;]*)([A-Za-z])/g;
// stderr text starts with ESC[1e and stdout after it with ESC[0e (a private use of CSI e), so the
// marking carries across lines and chunks like a colour.
const ERR_ON = '\\x1b[1e', ERR_OFF = '\\x1b[0e';
function sgr(a, params) {
  const p = params === '' ? [0] : params.split(';').map(Number);
  for (let i = 0; i < p.length; i++) {
    const n = p[i];
    if (n === 0) { a.fg = a.bg = a.style = undefined; a.b = a.i = a.u = false; }
    else if (n === 1) a.b = true; else if (n === 3) a.i = true; else if (n === 4) a.u = true;
    else if (n === 22) a.b = false; else if (n === 23) a.i = false; else if (n === 24) a.u = false;
    else if (n >= 30 && n <= 37) a.fg = n - 30; else if (n >= 90 && n <= 97) a.fg = n - 82;
    else if (n === 39) a.fg = undefined;
    else if (n >= 40 && n <= 47) a.bg = n - 40; else if (n >= 100 && n <= 107) a.bg = n - 92;
    else if (n === 49) a.bg = undefined;
    else if ((n === 38 || n === 48) && p[i + 1] === 5) { a[n === 38 ? 'fg' : 'bg'] = p[i + 2]; i += 2; }
    else if ((n === 38 || n === 48) && p[i + 1] === 2) {
      a.style = (n === 38 ? 'color' : 'background') + ':rgb(' + p[i + 2] + ',' + p[i + 3] + ',' + p[i + 4] + ')'; i += 4;
    }
  }
}
function appendText(parent, a, text) {
  if (!text) return;
  if (a.err && !parent.parentElement.classList.contains('err')) {
    parent.parentElement.classList.add('err'); parent.parentElement.title = 'stderr';
  }
  if (a.fg === undefined && a.bg === undefined && !a.b && !a.i && !a.u && !a.style) {
    parent.appendChild(document.createTextNode(text)); return;
  }
  const span = document.createElement('span');
  const cls = [];
  if (a.fg !== undefined) cls.push('a-fg' + a.fg);
  if (a.bg !== undefined) cls.push('a-bg' + a.bg);
  if (a.b) cls.push('a-b'); if (a.i) cls.push('a-i'); if (a.u) cls.push('a-u');
  span.className = cls.join(' ');
  if (a.style) span.setAttribute('style', a.style);
  span.textContent = text;
  parent.appendChild(span);
}
function renderInto(parent, a, text) {
  const cr = text.lastIndexOf('\\r');
  if (cr >= 0) text = text.slice(cr + 1);
  let last = 0, m;
  ESC.lastIndex = 0;
  while ((m = ESC.exec(text))) {
    appendText(parent, a, text.slice(last, m.index));
    if (m[2] === 'm') sgr(a, m[1]);
    else if (m[2] === 'e') a.err = m[1] === '1';
    last = ESC.lastIndex;
  }
  appendText(parent, a, text.slice(last));
}
function newLine(st, frag) {
  st.n++;
  const id = st.el.dataset.step + '-L' + st.n;
  const div = document.createElement('div');
  div.className = 'line'; div.id = id;
  const a = document.createElement('a');
  a.className = 'ln'; a.href = '#' + id; a.textContent = st.n;
  const body = document.createElement('span');
  div.append(a, body);
  // Lines go into blocks of BLOCK lines: the browser skips layout of off-screen blocks.
  if (!st.blk || st.blk.childElementCount >= BLOCK) {
    st.blk = document.createElement('div');
    st.blk.className = 'blk';
    frag.appendChild(st.blk);
  }
  st.blk.appendChild(div);
  if (id === target) setTimeout(() => { div.classList.add('target'); div.scrollIntoView({ block: 'center' }); follow = false; });
  return body;
}
function flush() {
  scheduled = false;
  let budget = LINES_PER_FRAME;
  for (const st of steps.values()) {
    if (!st.buf || budget <= 0) continue;
    const frag = document.createDocumentFragment();
    let i = 0;
    while (i < st.buf.length && budget > 0) {
      const nl = st.buf.indexOf('\\n', i);
      const end = nl < 0 ? st.buf.length : nl;
      if (!st.open) st.open = newLine(st, frag);
      renderInto(st.open, st.ansi, st.buf.slice(i, end));
      if (nl < 0) { i = st.buf.length; break; }
      st.open = null; budget--; i = nl + 1;
    }
    st.buf = st.buf.slice(i);
    st.log.appendChild(frag);
  }
  for (const st of steps.values()) if (st.buf) schedule();
  if (follow) window.scrollTo(0, document.documentElement.scrollHeight);
}
function schedule() {
  if (!scheduled) { scheduled = true; requestAnimationFrame(flush); }
}
addEventListener('scroll', () => {
  follow = innerHeight + scrollY >= document.documentElement.scrollHeight - 40;
}, { passive: true });

function onRecord(r) {
  lastId = Math.max(lastId, r.id);
  const mst = r.step_id ? stepOf(r.step_id) : null;
  if (mst && (r.event === 'llm_token' || r.event === 'tool_start' || r.event === 'tool_end')) mst.model = true;
  if (mst && mst.model && r.event === 'llm_token') {
    txText(mst, typeof r.data === 'string' ? r.data : '');
  } else if (mst && mst.model && (r.event === 'tool_start' || r.event === 'tool_end')) {
    txTool(mst, r);
  } else if (mst && mst.model && r.event === 'step_output') {
    txNotice(mst, typeof r.data === 'string' ? r.data : '');
  } else if (r.event === 'step_output') {
    const st = stepOf(r.step_id);
    const text = typeof r.data === 'string' ? r.data : (r.data && r.data.text) || '';
    // A marker only where the stream switches, so none is left dangling after a final newline.
    const err = r.stream === 'stderr';
    if (err !== !!st.err) { st.buf += err ? ERR_ON : ERR_OFF; st.err = err; }
    st.buf += text; schedule();
  } else if (r.event === 'step_started') {
    const st = stepOf(r.step_id);
    st.started = r.t; st.el.open = true; setState(st, 'running', 'running');
    const dur = st.el.querySelector('.dur');
    dur.dataset.started = r.t; delete dur.dataset.completed; showDur(dur);
  } else if (r.event === 'step_completed') {
    const st = stepOf(r.step_id);
    const d = r.data || {};
    const c = d.conclusion || d.status || (d.exit_code === 0 ? 'success' : 'failure');
    setState(st, c, c.replace('_', ' '));
    const dur = st.el.querySelector('.dur');
    if (dur.dataset.started) { dur.dataset.completed = r.t; showDur(dur); }
    const why = [];
    if (c !== 'success' && typeof d.exit_code === 'number') why.push('exit ' + d.exit_code);
    if (d.note) why.push(String(d.note));
    if (d.oom_killed) why.push('out of memory');
    st.el.querySelector('.why').textContent = why.join(' · ');
    const use = st.el.querySelector('.usage');
    if (use && d.usage) use.textContent = usageText(d.usage);
    if (st.model && d.output !== undefined) txOutput(st, d.output);
    if (c === 'success' || c === 'skipped') st.el.open = false;
  } else if (r.event === 'run_started') {
    setRun('running', 'running');
    if (took && !took.dataset.started) { took.dataset.started = r.t; showDur(took); }
  } else if (r.event === 'run_completed') {
    const c = (r.data && (r.data.conclusion || r.data.status)) || 'success';
    setRun(c, c.replace('_', ' '));
    if (took && took.dataset.started) { took.dataset.completed = r.t; showDur(took); }
    // As the server settles them: a step still running ended with the run; one still queued never
    // ran (cancelled with a cancelled run, else skipped).
    for (const st of steps.values()) {
      const was = st.el.dataset.state;
      if (was !== 'queued' && was !== 'running') continue;
      const now = was === 'running' ? c : c === 'cancelled' ? 'cancelled' : 'skipped';
      setState(st, now, now.replace('_', ' '));
      const dur = st.el.querySelector('.dur');
      if (dur.dataset.started) { dur.dataset.completed = r.t; showDur(dur); }
    }
    runDone = true; setActions(true);
    done = true; if (es) es.close();
  }
}
${RUN_TRANSCRIPT_SCRIPT}
function setRun(state, word) {
  const s = document.getElementById('run-status');
  if (s) { s.textContent = (SYM[state] || '') + ' ' + word; s.className = 'state-' + state; }
}
function connect() {
  if (done) return;
  es = new EventSource(streamUrl + (lastId ? '?after=' + lastId : ''));
  const handler = (e) => { try { onRecord(JSON.parse(e.data)); } catch (err) { console.error(err); } };
  for (const name of ['run_started', 'step_started', 'step_output', 'step_completed', 'run_completed', 'llm_token', 'tool_start', 'tool_end']) {
    es.addEventListener(name, handler);
  }
  es.onopen = () => root.classList.remove('disconnected');
  es.onerror = () => {
    root.classList.add('disconnected');
    if (es.readyState === 2 && !done) setTimeout(connect, 3000);
  };
}
for (const el of root.querySelectorAll('details.step')) stepOf(el.dataset.step);
connect();
setInterval(tick, 1000);
})();`;
