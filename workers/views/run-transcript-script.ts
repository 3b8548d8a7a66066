/**
 * The run page's transcript of a model step (llm / agent), part of the page script
 * (run-log-script.ts inlines it; plain browser JavaScript kept as a string). The step's
 * `llm_token` text is shown as markdown (a small renderer that escapes everything first and
 * only then adds code, emphasis, headings and lists: no links, no HTML from the model), each
 * `tool_start` as a collapsed <details> with the call's input, filled by its `tool_end` with the
 * output and marked ok or failed. Notices (`step_output`) appear as lines between them, and the
 * step's validated output (from its `step_completed`) closes the transcript. It is
 * built from the same stream as the logs, so it is live and, on reload, replayed from the start.
 * A finished step shows its accounting (turns, tokens, cost) beside its name.
 */
export const RUN_TRANSCRIPT_SCRIPT = `
function mdEsc(s) { return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]); }
function mdInline(s) {
  return mdEsc(s)
    .replace(/\`([^\`]+)\`/g, '<code>$1</code>')
    .replace(/\\*\\*([^*]+)\\*\\*/g, '<strong>$1</strong>')
    .replace(/(^|[\\s(])\\*([^*\\s][^*]*)\\*/g, '$1<em>$2</em>');
}
function markdown(src) {
  const out = []; let list = null, para = [], fence = null;
  const endPara = () => { if (para.length) { out.push('<p>' + para.map(mdInline).join('<br>') + '</p>'); para = []; } };
  const endList = () => { if (list) { out.push('</' + list + '>'); list = null; } };
  for (const line of src.split('\\n')) {
    if (fence !== null) {
      if (/^\\s*\`\`\`/.test(line)) { out.push('<pre><code>' + mdEsc(fence.join('\\n')) + '</code></pre>'); fence = null; }
      else fence.push(line);
      continue;
    }
    let m;
    if (/^\\s*\`\`\`/.test(line)) { endPara(); endList(); fence = []; }
    else if ((m = /^(#{1,6})\\s+(.*)$/.exec(line))) { endPara(); endList(); out.push('<h' + (m[1].length + 2 > 6 ? 6 : m[1].length + 2) + '>' + mdInline(m[2]) + '</h' + (m[1].length + 2 > 6 ? 6 : m[1].length + 2) + '>'); }
    else if ((m = /^\\s*([-*]|\\d+\\.)\\s+(.*)$/.exec(line))) {
      endPara();
      const kind = /\\d/.test(m[1]) ? 'ol' : 'ul';
      if (list !== kind) { endList(); out.push('<' + kind + '>'); list = kind; }
      out.push('<li>' + mdInline(m[2]) + '</li>');
    } else if (line.trim() === '') { endPara(); endList(); }
    else { endList(); para.push(line); }
  }
  if (fence !== null) out.push('<pre><code>' + mdEsc(fence.join('\\n')) + '</code></pre>');
  endPara(); endList();
  return out.join('');
}
function txOf(st) {
  if (!st.tx) {
    st.tx = { el: document.createElement('div'), text: null, src: '', tools: new Map() };
    st.tx.el.className = 'transcript';
    st.log.appendChild(st.tx.el);
  }
  return st.tx;
}
function txText(st, text) {
  const tx = txOf(st);
  if (!tx.text) { tx.text = document.createElement('div'); tx.text.className = 'md'; tx.el.appendChild(tx.text); tx.src = ''; }
  tx.src += text;
  tx.text.innerHTML = markdown(tx.src);
  if (follow) window.scrollTo(0, document.documentElement.scrollHeight);
}
function txNotice(st, text) {
  const tx = txOf(st); tx.text = null;
  const p = document.createElement('div'); p.className = 'tx-notice'; p.textContent = text.replace(/\\n$/, '');
  tx.el.appendChild(p);
}
function txTool(st, r) {
  const tx = txOf(st); tx.text = null;
  const d = r.data || {};
  if (r.event === 'tool_start') {
    const el = document.createElement('details'); el.className = 'tool running';
    const input = typeof d.input === 'string' ? d.input : JSON.stringify(d.input, null, 2);
    el.innerHTML = '<summary><span class="tool-st">●</span> <span class="tool-name"></span> <code class="tool-arg"></code> <span class="muted tool-dur"></span></summary><pre class="tool-in"></pre><pre class="tool-out"></pre>';
    el.querySelector('.tool-name').textContent = d.name || 'tool';
    const arg = d.input && typeof d.input === 'object' ? (d.input.path || d.input.command || d.input.pattern || '') : '';
    el.querySelector('.tool-arg').textContent = String(arg).slice(0, 120);
    el.querySelector('.tool-in').textContent = input;
    tx.el.appendChild(el); tx.tools.set(d.id, el);
  } else {
    const el = tx.tools.get(d.id);
    if (!el) return;
    el.classList.remove('running'); el.classList.add(d.ok === false ? 'failed' : 'ok');
    el.querySelector('.tool-st').textContent = d.ok === false ? '✗' : '✓';
    el.querySelector('.tool-out').textContent = typeof d.output === 'string' ? d.output : JSON.stringify(d.output);
    if (typeof d.duration_ms === 'number') el.querySelector('.tool-dur').textContent = d.duration_ms + ' ms';
  }
}
function txOutput(st, output) {
  const tx = txOf(st); tx.text = null;
  const box = document.createElement('div'); box.className = 'tx-output';
  box.innerHTML = '<div class="muted">output</div><pre></pre>';
  box.querySelector('pre').textContent = typeof output === 'string' ? output : JSON.stringify(output, null, 2);
  tx.el.appendChild(box);
}
function usageText(u) {
  if (!u || typeof u !== 'object') return '';
  const parts = [u.turns + ' turn' + (u.turns === 1 ? '' : 's'), u.input_tokens + ' in / ' + u.output_tokens + ' out tokens'];
  if (typeof u.cost_usd === 'number') parts.push('≈ $' + u.cost_usd.toFixed(4));
  return parts.join(' · ');
}
`;
