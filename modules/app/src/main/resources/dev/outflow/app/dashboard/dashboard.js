// Outflow dashboard: polls the JSON endpoints of this process every few seconds and renders them.
// Standard DOM and fetch() only; text is always set with textContent (never parsed as HTML).
'use strict';

(function () {
  const POLL_MS = 5000;
  const TOKEN_KEY = 'outflow.token';
  const MINUTE = 60000;
  const $ = (id) => document.getElementById(id);

  let timer = null;
  let tokenRequired = false;
  let domainRows = [];
  let sort = { key: 'volume', dir: -1 };
  let lastSeries = null;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === 'class') e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c === null || c === undefined ? '' : String(c)));
    return e;
  }

  function svg(tag, attrs) {
    const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  }

  class Unauthorised extends Error {}

  async function api(path, options) {
    const headers = Object.assign({ Accept: 'application/json' }, (options && options.headers) || {});
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = 'Bearer ' + token;
    const response = await fetch(path, Object.assign({}, options, { headers, cache: 'no-store' }));
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (response.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      askForToken('The token was not accepted; enter the http.token of this Outflow.');
      throw new Unauthorised('unauthorised');
    }
    return { status: response.status, ok: response.ok, body: body || {} };
  }

  function showAlert(text) {
    const a = $('alert');
    a.textContent = text || '';
    a.hidden = !text;
  }

  function askForToken(why) {
    stopPolling();
    if (why) showAlert(why);
    $('token-form').hidden = false;
    $('forget-token').hidden = true;
    $('token').focus();
  }

  function fmtNumber(n) { return n === null || n === undefined ? '–' : Number(n).toLocaleString('en'); }
  function fmtPercent(part, whole) { return whole > 0 ? (100 * part / whole).toFixed(1) + ' %' : '–'; }
  function fmtDelay(ms) {
    if (ms === null || ms === undefined) return '–';
    if (ms < 1000) return ms + ' ms';
    if (ms < MINUTE) return (ms / 1000).toFixed(1) + ' s';
    if (ms < 3600000) return (ms / MINUTE).toFixed(1) + ' min';
    return (ms / 3600000).toFixed(1) + ' h';
  }
  function fmtAge(seconds) { return seconds > 0 ? fmtDelay(Math.round(seconds * 1000)) : '–'; }
  function fmtTime(ms) { return ms ? new Date(ms).toLocaleTimeString() : '–'; }
  function fmtDateTime(ms) { return ms ? new Date(ms).toLocaleString() : '–'; }

  function replaceRows(table, rows, emptyText) {
    const tbody = table.tBodies[0];
    const cols = table.tHead.rows[0].cells.length;
    tbody.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: cols }, emptyText))]));
  }

  // --- traffic: counters, chart, domains -----------------------------------------------------

  function renderTraffic(stats) {
    const now = Date.now();
    const first = Math.floor(now / MINUTE) * MINUTE - 59 * MINUTE;
    const series = { delivered: new Array(60).fill(0), deferred: new Array(60).fill(0), bounced: new Array(60).fill(0) };
    for (const w of stats.windows || []) {
      const i = Math.round((w.start - first) / MINUTE);
      if (i < 0 || i > 59) continue;
      for (const k of Object.keys(series)) series[k][i] += w[k] || 0;
    }
    const total = (k) => series[k].reduce((a, b) => a + b, 0);
    $('count-delivered').textContent = fmtNumber(total('delivered'));
    $('count-deferred').textContent = fmtNumber(total('deferred'));
    $('count-bounced').textContent = fmtNumber(total('bounced'));
    lastSeries = series;
    drawChart(series);
    $('chart-summary').textContent = 'Totals: ' + total('delivered') + ' delivered, ' + total('deferred') + ' deferred, '
      + total('bounced') + ' bounced; busiest minute ' + Math.max(...series.delivered, ...series.deferred, ...series.bounced) + '.';

    domainRows = (stats.domains || []).map((d) => {
      const volume = (d.delivered || 0) + (d.deferred || 0) + (d.bounced || 0) + (d.dropped || 0) + (d.rejected || 0);
      const reasons = [].concat(d.topBounceReasons || [], d.topDeferralReasons || []).sort((a, b) => b.count - a.count);
      return {
        domain: d.domain, volume, delivered: d.delivered || 0, deferred: d.deferred || 0,
        deliveryRate: volume ? (d.delivered || 0) / volume : 0, deferralRate: volume ? (d.deferred || 0) / volume : 0,
        p95: d.delayMs ? d.delayMs.p95 : null, topReason: reasons.length ? reasons[0].reason : '',
      };
    });
    renderDomains();
  }

  function drawChart(series) {
    const chart = $('chart');
    const width = Math.max(300, chart.clientWidth || 720);
    const height = 220, left = 40, right = 10, top = 10, bottom = 24;
    chart.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    const max = Math.max(1, ...series.delivered, ...series.deferred, ...series.bounced);
    const x = (i) => left + i * (width - left - right) / 59;
    const y = (v) => top + (height - top - bottom) * (1 - v / max);
    const parts = [];
    for (const v of [0, Math.round(max / 2), max]) {
      parts.push(svg('line', { class: 'grid', x1: left, x2: width - right, y1: y(v), y2: y(v) }));
      const t = svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end' });
      t.textContent = String(v);
      parts.push(t);
    }
    for (const [i, label] of [[0, '60 min ago'], [30, '30 min ago'], [59, 'now']]) {
      const t = svg('text', { x: x(i), y: height - 6, 'text-anchor': i === 0 ? 'start' : i === 59 ? 'end' : 'middle' });
      t.textContent = label;
      parts.push(t);
    }
    for (const k of ['delivered', 'deferred', 'bounced']) {
      parts.push(svg('polyline', { class: k, points: series[k].map((v, i) => x(i).toFixed(1) + ',' + y(v).toFixed(1)).join(' ') }));
    }
    chart.replaceChildren(...parts);
  }

  function renderDomains() {
    const rows = domainRows.slice().sort((a, b) => {
      const av = a[sort.key], bv = b[sort.key];
      if (av === bv) return a.domain.localeCompare(b.domain);
      if (av === null || av === undefined) return 1;
      if (bv === null || bv === undefined) return -1;
      return (typeof av === 'string' ? av.localeCompare(bv) : av - bv) * sort.dir;
    });
    replaceRows($('domains'), rows.map((d) => el('tr', {},
      el('th', { scope: 'row' }, d.domain),
      el('td', { class: 'num' }, fmtNumber(d.volume)),
      el('td', { class: 'num' }, fmtPercent(d.delivered, d.volume)),
      el('td', { class: 'num' }, fmtPercent(d.deferred, d.volume)),
      el('td', { class: 'num' }, fmtDelay(d.p95)),
      el('td', { class: 'reply' }, d.topReason))), 'No traffic in the last hour.');
    for (const th of $('domains').tHead.rows[0].cells) {
      const key = th.querySelector('button').dataset.key;
      th.setAttribute('aria-sort', key === sort.key ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none');
    }
  }

  // --- queues, workers, bounces --------------------------------------------------------------

  function renderQueues(q) {
    $('count-waiting').textContent = q.at ? fmtNumber((q.queues || []).reduce((n, t) => n + (t.waiting || 0), 0)) : '–';
    replaceRows($('queues'), (q.queues || []).map((t) => el('tr', {},
      el('td', {}, t.topic), el('td', {}, t.group),
      el('td', { class: 'num' }, fmtNumber(t.waiting)), el('td', { class: 'num' }, fmtAge(t.oldestAgeSeconds)))),
    q.at ? 'No consumer groups watched by this process.' : 'Measuring (every 10 s)…');
  }

  function renderWorkers(w) {
    replaceRows($('workers'), (w.members || []).map((m) => el('tr', {},
      el('td', {}, m.group), el('td', {}, m.clientId), el('td', {}, m.host),
      el('td', {}, m.partitions.length ? m.partitions.join(', ') : 'none'))),
    'No members online.');
    const state = $('delivery-state');
    if (w.paused === true) { state.textContent = 'Delivery paused'; state.className = 'paused'; }
    else if (w.paused === false) { state.textContent = 'Delivering'; state.className = ''; }
    else { state.textContent = ''; state.className = ''; }
  }

  function renderBounces(b) {
    replaceRows($('bounces'), (b.bounces || []).map((x) => el('tr', {},
      el('td', {}, fmtTime(x.at)), el('td', {}, x.recipient), el('td', {}, x.bounceClass),
      el('td', { class: 'reply' }, [x.code, x.enhancedCode, x.reply].filter((v) => v !== null && v !== undefined && v !== '').join(' ')),
      el('td', { class: 'reply' }, x.messageId))), 'None.');
  }

  async function refresh() {
    try {
      const [stats, queues, workers, bounces] = await Promise.all([
        api('/api/stats?window=1m&last=60'), api('/api/queues'), api('/api/workers'), api('/api/bounces')]);
      const problems = [];
      if (stats.ok) renderTraffic(stats.body); else problems.push('statistics: ' + (stats.body.error || stats.status));
      if (queues.ok) renderQueues(queues.body); else problems.push('queues: ' + (queues.body.error || queues.status));
      if (workers.ok) renderWorkers(workers.body); else problems.push('workers: ' + (workers.body.error || workers.status));
      if (bounces.ok) renderBounces(bounces.body); else problems.push('bounces: ' + (bounces.body.error || bounces.status));
      $('status').textContent = (problems.length ? 'Partly updated (' + problems.join('; ') + ')' : 'Updated') + ' at ' + fmtTime(Date.now());
    } catch (e) {
      if (!(e instanceof Unauthorised)) $('status').textContent = 'Cannot reach Outflow (' + e.message + '); retrying.';
    }
  }

  function startPolling() {
    stopPolling();
    $('token-form').hidden = true;
    $('forget-token').hidden = !tokenRequired;
    refresh();
    timer = setInterval(refresh, POLL_MS);
  }

  function stopPolling() {
    if (timer !== null) clearInterval(timer);
    timer = null;
  }

  // --- tracking ------------------------------------------------------------------------------

  function renderMessage(m) {
    const rows = Object.values(m.recipients || {}).map((r) => {
      const history = el('details', {}, el('summary', {}, (r.history || []).length + ' attempt(s)'),
        el('ol', {}, ...(r.history || []).map((h) => el('li', {},
          fmtDateTime(h.at) + ' — ' + h.outcome + (h.code ? ' ' + h.code : '') + (h.response ? ': ' + h.response : '')
          + (h.host ? ' (' + h.host + (h.ip ? ' ' + h.ip : '') + (h.tls ? ', TLS' : '') + ')' : '')))));
      return el('tr', {},
        el('th', { scope: 'row' }, r.address),
        el('td', { class: 'state-' + r.state }, r.state),
        el('td', { class: 'num' }, r.attempts === undefined ? '–' : r.attempts),
        el('td', { class: 'reply' }, r.response || r.reason || ''),
        el('td', {}, r.host || ''),
        el('td', {}, history));
    });
    const table = el('table', {},
      el('thead', {}, el('tr', {}, ...['Recipient', 'State', 'Attempts', 'Last reply', 'MX host', 'History'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...rows));
    return el('article', { class: 'track-message' },
      el('h3', {}, 'Message ' + m.id),
      el('p', {}, 'From ' + (m.mailFrom || '<>') + ', first seen ' + fmtDateTime(m.firstSeen) + ', state ' + m.state
        + (m.dsnOf ? ', DSN of ' + m.dsnOf : '')),
      table);
  }

  async function track(event) {
    event.preventDefault();
    const q = $('track-query').value.trim();
    const out = $('track-result');
    if (!q) return;
    out.replaceChildren(el('p', {}, 'Searching…'));
    try {
      const r = q.includes('@')
        ? await api('/api/messages?rcpt=' + encodeURIComponent(q))
        : await api('/api/messages/' + encodeURIComponent(q));
      if (!r.ok) { out.replaceChildren(el('p', {}, r.body.error || ('HTTP ' + r.status))); return; }
      const messages = r.body.messages || [r.body];
      out.replaceChildren(...messages.map(renderMessage));
    } catch (e) {
      if (!(e instanceof Unauthorised)) out.replaceChildren(el('p', {}, 'Search failed: ' + e.message));
    }
  }

  // --- control -------------------------------------------------------------------------------

  const QUESTIONS = {
    pause: 'Pause delivery on every worker? Submissions keep queueing.',
    resume: 'Resume delivery on every worker?',
    flush: 'Release every deferred message now?',
  };

  async function control(command) {
    if (!window.confirm(QUESTIONS[command])) return;
    try {
      const r = await api('/api/control/' + command, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      if (r.ok) { showAlert(''); $('status').textContent = command + ' requested at ' + fmtTime(Date.now()); }
      else showAlert(command + ' failed: ' + (r.body.error || ('HTTP ' + r.status)));
      refresh();
    } catch (e) {
      if (!(e instanceof Unauthorised)) showAlert(command + ' failed: ' + e.message);
    }
  }

  // --- start ---------------------------------------------------------------------------------

  async function start() {
    for (const b of document.querySelectorAll('.controls button[data-command]')) b.addEventListener('click', () => control(b.dataset.command));
    $('forget-token').addEventListener('click', () => { sessionStorage.removeItem(TOKEN_KEY); askForToken(''); });
    $('token-form').addEventListener('submit', (e) => {
      e.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $('token').value);
      $('token').value = '';
      showAlert('');
      startPolling();
    });
    $('track-form').addEventListener('submit', track);
    for (const b of $('domains').tHead.querySelectorAll('button')) {
      b.addEventListener('click', () => {
        const key = b.dataset.key;
        sort = { key, dir: sort.key === key ? -sort.dir : (key === 'domain' || key === 'topReason' ? 1 : -1) };
        renderDomains();
      });
    }
    window.addEventListener('resize', () => { if (lastSeries) drawChart(lastSeries); });
    try {
      const r = await api('/api/dashboard');
      tokenRequired = !!r.body.tokenRequired;
    } catch (e) {
      $('status').textContent = 'Cannot reach Outflow (' + e.message + ').';
      return;
    }
    if (tokenRequired && !sessionStorage.getItem(TOKEN_KEY)) {
      $('status').textContent = 'This Outflow needs its API token.';
      askForToken('');
    } else {
      startPolling();
    }
  }

  document.addEventListener('DOMContentLoaded', start);
}());
