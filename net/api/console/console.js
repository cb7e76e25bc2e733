// zegad console: plain JavaScript, no framework and nothing fetched from elsewhere, because
// the box running zegad may be offline. Everything live comes from one event stream
// (GET /events); a zegad without it is polled every 5 s instead. The JSON shapes read
// here are listed in the project notes (console-api.md).
'use strict';
(function () {
  const POLL_MS = 5000;
  const TOKEN_KEY = 'zegad.token';
  const FINISHED = new Set(['completed', 'cancelled', 'failed', 'interrupted', 'partial', 'error']);

  const state = {
    status: null,
    providers: new Map(),   // name -> provider status
    jobs: new Map(),        // job_id -> running job view
    followed: new Set(),    // job ids with their own /jobs/{id}/events stream (polling mode)
    pauseEvent: null,       // the last paused/resumed event: {at, paused}
    stats: null,
    statsAt: 0,             // when /history/stats was last asked for
    statsSize: undefined,   // the dataset size it was asked for at
    exampleCursor: null,
    examples: new Map(),    // id -> example record shown in the table
    openExample: null,
    liveMode: 'connecting',
    pollTimer: null,
  };

  // ---- small DOM helpers (text only, never innerHTML, so stored text cannot inject markup)
  const $ = (id) => document.getElementById(id);
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }
  const svgNS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs) {
    const node = document.createElementNS(svgNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }

  // ---- formatting: local times, rounded numbers, words instead of codes
  const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
  const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
    month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
  });
  // Accepts an RFC 3339 string, Unix milliseconds, or (older zegad) milliseconds from now
  // when `relativeMs` is set; null when there is no time.
  function toDate(v, relativeMs) {
    if (v === null || v === undefined || v === '' || v === 0) return null;
    if (typeof v === 'number') return new Date(relativeMs ? Date.now() + v : v);
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : new Date(t);
  }
  function clock(d) {
    if (!d) return '';
    const sameDay = d.toDateString() === new Date().toDateString();
    return sameDay ? timeFmt.format(d) : dateTimeFmt.format(d);
  }
  function num(v, digits) {
    if (v === null || v === undefined || Number.isNaN(Number(v))) return '–';
    return Number(v).toLocaleString(undefined, { maximumFractionDigits: digits || 0 });
  }
  function duration(seconds) {
    if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.round((s % 3600) / 60) + ' min';
  }
  function percent(fraction) {
    return fraction === null || fraction === undefined ? '–' : Math.round(fraction * 100) + ' %';
  }

  // ---- notices
  let noticeTimer = null;
  function notice(text, bad) {
    const n = $('notice');
    n.textContent = text;
    n.className = 'notice' + (bad ? ' bad' : '');
    n.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { n.hidden = true; }, 8000);
  }

  // ---- HTTP: every request carries the session's token
  function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }
  function authHeaders(extra) {
    const h = Object.assign({}, extra || {});
    const t = token();
    if (t) h.Authorization = 'Bearer ' + t;
    return h;
  }
  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }
  function messageOf(body, res) {
    if (body && typeof body === 'object') {
      if (body.error && typeof body.error === 'object' && body.error.message) return body.error.message;
      if (typeof body.detail === 'string') return body.detail;
      if (typeof body.message === 'string') return body.message;
    }
    return res.status + ' ' + (res.statusText || 'error');
  }
  async function api(path, options) {
    const opts = options || {};
    const method = opts.method || 'GET';
    const init = { method, headers: authHeaders() };
    // zegad takes state-changing bodies as JSON only (a cross-site form cannot send that).
    if (method === 'POST' || method === 'PATCH') {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(opts.body === undefined ? {} : opts.body);
    }
    const res = await fetch(path, init);
    const text = await res.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
    if (!res.ok) throw new ApiError(res.status, messageOf(body, res));
    return body;
  }
  function reportError(what, err) {
    notice(what + ': ' + (err && err.message ? err.message : String(err)), true);
  }

  // ---- Server-Sent Events over fetch (EventSource cannot send the Authorization header)
  async function readEvents(res, onEvent) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let data = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        let line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line === '') {
          if (data.length) {
            let ev = null;
            try { ev = JSON.parse(data.join('\n')); } catch (e) { ev = null; }
            data = [];
            if (ev && typeof ev === 'object') onEvent(ev);
          }
          continue;
        }
        if (line[0] === ':') continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value2 = colon < 0 ? '' : line.slice(colon + 1);
        if (value2[0] === ' ') value2 = value2.slice(1);
        if (field === 'data') data.push(value2);
      }
    }
  }

  function setLiveMode(mode) {
    state.liveMode = mode;
    const words = {
      connecting: 'connecting…',
      live: 'live updates',
      polling: 'refreshing every 5 s',
      offline: 'zegad not answering; retrying',
    };
    $('live-mode').textContent = words[mode] || mode;
    $('live-mode').dataset.mode = mode;
  }

  async function connectEvents() {
    let res;
    try {
      res = await fetch('/events', { headers: authHeaders({ Accept: 'text/event-stream' }) });
    } catch (e) {
      setLiveMode('offline');
      setTimeout(connectEvents, 3000);
      return;
    }
    if (res.status === 404 || res.status === 405) {
      // An older zegad: no global stream. Poll, and follow each running job's own stream.
      startPolling();
      return;
    }
    if (!res.ok) {
      setLiveMode('offline');
      setTimeout(connectEvents, 3000);
      return;
    }
    setLiveMode('live');
    stopPolling();
    // What happened while we were not listening.
    refreshStatus();
    refreshJobs();
    try { await readEvents(res, handleEvent); } catch (e) { /* stream cut: reconnect below */ }
    setLiveMode('connecting');
    setTimeout(connectEvents, 1000);
  }

  function startPolling() {
    setLiveMode('polling');
    if (state.pollTimer) return;
    const tick = () => { refreshStatus(); refreshJobs(); };
    tick();
    state.pollTimer = setInterval(tick, POLL_MS);
  }
  function stopPolling() {
    if (state.pollTimer) clearInterval(state.pollTimer);
    state.pollTimer = null;
  }

  // A running job's own stream, used only when there is no global one.
  async function followJob(id) {
    if (state.followed.has(id)) return;
    state.followed.add(id);
    try {
      const res = await fetch('/jobs/' + encodeURIComponent(id) + '/events',
        { headers: authHeaders({ Accept: 'text/event-stream' }) });
      if (res.ok) await readEvents(res, (ev) => handleEvent(Object.assign({ job_id: id }, ev)));
    } catch (e) { /* the poll shows the job's state instead */ }
    state.followed.delete(id);
  }

  function handleEvent(ev) {
    switch (ev.type) {
      case 'job':
      case 'progress':
        updateJob(ev);
        break;
      case 'complete':
        finishJob(ev.job_id, 'completed');
        break;
      case 'error':
        if (ev.job_id) finishJob(ev.job_id, ev.state || 'failed');
        break;
      case 'provider':
        mergeProvider(ev.provider && typeof ev.provider === 'object' ? ev.provider : ev);
        renderProviders();
        break;
      case 'schedule':
        renderSchedule(ev.schedule && typeof ev.schedule === 'object' ? ev.schedule : ev);
        break;
      case 'paused':
      case 'resumed':
        state.pauseEvent = { at: Date.now(), paused: ev.type === 'paused' };
        if (state.status) state.status.paused = state.pauseEvent.paused;
        renderPause();
        break;
      default:
        break; // heartbeats and types this page does not know
    }
  }

  // ---- status and providers
  function mergeProvider(p) {
    if (!p || !p.name) return;
    const old = state.providers.get(p.name) || {};
    state.providers.set(p.name, Object.assign({}, old, p, { seen_at: Date.now() }));
  }

  async function refreshStatus() {
    try {
      const askedAt = Date.now();
      const s = await api('/status');
      // A pause or resume event that came while this was on its way is newer than it.
      if (state.pauseEvent && state.pauseEvent.at >= askedAt) s.paused = state.pauseEvent.paused;
      state.status = s;
      for (const p of s.providers || []) mergeProvider(p);
      renderDaemonState();
      renderPause();
      renderProviders();
      renderDataset();
      fillProviderSelect();
      // The charts come from /history/stats; re-read it when the dataset grew (at most
      // every 10 s) rather than on every status read.
      const size = s.dataset ? s.dataset.examples : undefined;
      if (size !== state.statsSize && Date.now() - state.statsAt > 10000) refreshStats();
    } catch (e) {
      $('daemon-state').textContent = 'not answering';
      $('daemon-state').className = 'pill bad';
    }
  }

  function renderDaemonState() {
    const s = state.status;
    const pill = $('daemon-state');
    if (!s) return;
    if (s.paused) {
      pill.textContent = 'paused';
      pill.className = 'pill warn';
    } else {
      pill.textContent = s.state === 'running' ? 'running' : (s.state || 'running').replace(/_/g, ' ');
      pill.className = 'pill ok';
    }
  }

  function renderPause() {
    const s = state.status;
    const btn = $('pause-toggle');
    if (!s) return;
    btn.setAttribute('aria-pressed', s.paused ? 'true' : 'false');
    btn.textContent = s.paused ? 'Paused — resume' : 'Running — pause';
    const since = toDate(s.paused_since);
    $('pause-text').textContent = s.paused
      ? 'No new work is sent to providers' + (since ? ' since ' + clock(since) : '') + '.'
      : 'Work is dispatched as providers allow.';
    renderDaemonState();
  }

  // The provider's state in words an operator can act on.
  function providerWords(p) {
    const until = toDate(p.cooldown_until, true) || toDate(p.busy_until, true);
    const reason = p.cooldown_reason || p.reason || '';
    const quota = /quota|daily|per day|rpd/i.test(reason) || p.state === 'quota_exhausted';
    switch (p.state) {
      case 'available':
        return { text: 'Available', tone: 'ok' };
      case 'busy':
        return { text: 'Busy: ' + num(p.in_flight) + ' of ' + num(p.max_in_flight) + ' calls in flight', tone: 'ok' };
      case 'quota_exhausted':
      case 'cooldown':
      case 'backoff':
      case 'open':
        if (quota) {
          const reset = toDate(p.quota && p.quota.day && p.quota.day.resets_at) || until;
          return { text: 'Daily quota used up' + (reset ? ' until ' + clock(reset) + ' local' : ''), tone: 'warn' };
        }
        return {
          text: 'Cooling down' + (until ? ' until ' + clock(until) : '') + (reason ? ' because of ' + reason : ''),
          tone: 'warn',
        };
      case 'half_open':
        return { text: 'Trying again with one test call after failures', tone: 'warn' };
      case 'unreachable':
        return { text: 'Unreachable' + (reason ? ': ' + reason : '') + (until ? '; next try ' + clock(until) : ''), tone: 'bad' };
      case 'broken':
        return { text: 'Broken: ' + (p.broken_message || reason || 'needs an operator'), tone: 'bad' };
      case 'disabled':
        return { text: 'Disabled' + (reason ? ': ' + reason : ''), tone: 'muted' };
      default:
        return { text: String(p.state || 'unknown').replace(/_/g, ' '), tone: '' };
    }
  }

  function gauge(kind, label, used, limit, resetsAt) {
    const has = limit !== null && limit !== undefined && limit > 0;
    const frac = has ? Math.min(1, used / limit) : 0;
    const reset = toDate(resetsAt);
    const text = has ? num(used) + ' of ' + num(limit) : num(used) + ' (no limit)';
    return el('div', { class: 'gauge', 'data-gauge': kind, 'data-used': used, 'data-limit': has ? limit : '' },
      el('div', { class: 'label' },
        el('span', { text: label }),
        el('span', { class: 'gauge-value', text: text + (reset ? ' · resets ' + clock(reset) : '') })),
      has ? el('div', { class: 'bar' + (frac >= 1 ? ' full' : '') },
        el('div', { style: 'width:' + (frac * 100).toFixed(1) + '%' })) : null);
  }

  function windowOf(p, name) {
    const q = p.quota && p.quota[name];
    if (q) return q;
    // Older zegad: only today's request count and what is left of a daily limit.
    if (name === 'day' && p.requests_today !== undefined) {
      const limit = p.remaining_today === null || p.remaining_today === undefined
        ? null : p.requests_today + p.remaining_today;
      return { requests_used: p.requests_today, requests_limit: limit, tokens_used: p.tokens_today };
    }
    return null;
  }

  function renderProviders() {
    const box = $('provider-cards');
    const stats = state.stats && state.stats.by_provider ? state.stats.by_provider : {};
    const cards = [];
    const list = [...state.providers.values()].sort((a, b) => (a.priority || 0) - (b.priority || 0));
    for (const p of list) {
      const words = providerWords(p);
      const gauges = [];
      for (const [name, label] of [['minute', 'This minute'], ['day', 'Today']]) {
        const w = windowOf(p, name);
        if (!w) continue;
        gauges.push(gauge(name, label + ' (requests)', w.requests_used || 0, w.requests_limit, w.resets_at));
        if (w.tokens_limit) gauges.push(gauge(name + '-tokens', label + ' (tokens)', w.tokens_used || 0, w.tokens_limit, null));
      }
      const latency = p.latency_ms && typeof p.latency_ms === 'object'
        ? num(p.latency_ms.p50) + ' ms typical, ' + num(p.latency_ms.p95) + ' ms slow'
        : (typeof p.latency_ms === 'number' ? num(p.latency_ms) + ' ms' : 'not reported');
      let errorRate = p.error_rate;
      if ((errorRate === undefined || errorRate === null) && stats[p.name] && stats[p.name].success_rate !== undefined)
        errorRate = 1 - stats[p.name].success_rate;
      const canReset = ['broken', 'unreachable', 'cooldown', 'backoff', 'open', 'quota_exhausted'].includes(p.state);
      cards.push(el('article', { class: 'card', 'data-provider': p.name },
        el('h4', {}, el('span', { text: p.name }), el('span', { class: 'muted small', text: p.model || '' })),
        el('div', { class: 'state' }, el('span', { class: 'pill ' + words.tone, 'data-testid': 'provider-state', text: words.text })),
        el('div', { class: 'facts' },
          el('div', { class: 'fact' }, el('b', { text: num(p.in_flight) + ' / ' + num(p.max_in_flight) }), el('span', { text: 'in flight' })),
          el('div', { class: 'fact' }, el('b', { text: latency }), el('span', { text: 'recent latency' })),
          el('div', { class: 'fact' }, el('b', { text: percent(errorRate) }), el('span', { text: 'error rate' }))),
        gauges,
        canReset ? el('button', { type: 'button', onclick: () => resetProvider(p.name) }, 'Reset') : null));
    }
    box.replaceChildren(...(cards.length ? cards : [el('p', { class: 'muted', text: 'No provider is configured.' })]));
  }

  async function resetProvider(name) {
    try {
      await api('/providers/' + encodeURIComponent(name) + '/reset', { method: 'POST' });
      notice(name + ' was reset.');
      refreshStatus();
    } catch (e) { reportError('Reset of ' + name + ' failed', e); }
  }

  // ---- jobs
  function updateJob(ev) {
    const id = ev.job_id;
    if (!id) return;
    if (ev.state && FINISHED.has(ev.state)) { finishJob(id, ev.state); return; }
    const now = Date.now();
    const job = state.jobs.get(id) || { job_id: id, first_at: now, first_done: null };
    if (ev.total !== undefined) job.total = ev.total;
    else if (ev.total_requested !== undefined) job.total = ev.total_requested;
    let current = ev.current;
    if (current === undefined && ev.successful !== undefined) current = (ev.successful || 0) + (ev.failed || 0);
    if (current !== undefined) {
      if (job.first_done === null) { job.first_done = current; job.first_at = now; }
      job.current = current;
      job.last_at = now;
    }
    job.updated_at = now;
    for (const k of ['successful', 'failed', 'latest_quality', 'current_genre', 'best_model', 'state', 'user_id'])
      if (ev[k] !== undefined && ev[k] !== null && ev[k] !== '') job[k] = ev[k];
    state.jobs.set(id, job);
    renderJobs();
  }

  function finishJob(id, how) {
    if (!id || !state.jobs.has(id)) { refreshHistory(); return; }
    state.jobs.delete(id);
    renderJobs();
    if (how === 'cancelled') notice('Job ' + id + ' was cancelled.');
    refreshHistory();
    refreshStats();
  }

  async function refreshJobs() {
    try {
      const askedAt = Date.now();
      const body = await api('/jobs');
      const seen = new Set();
      for (const j of body.jobs || []) {
        if (FINISHED.has(j.state)) { if (state.jobs.has(j.job_id)) finishJob(j.job_id, j.state); continue; }
        seen.add(j.job_id);
        updateJob(j);
        if (state.liveMode === 'polling') followJob(j.job_id);
      }
      // A job missing from the list has ended, unless the stream told of it after the
      // list was asked for.
      for (const [id, job] of [...state.jobs]) if (!seen.has(id) && job.updated_at < askedAt) finishJob(id, 'completed');
    } catch (e) { /* the status pill already says when zegad is away */ }
  }

  function eta(job) {
    if (!job.total || job.current === undefined || job.first_done === null) return null;
    const done = job.current - job.first_done;
    const elapsed = (job.last_at - job.first_at) / 1000;
    if (done <= 0 || elapsed <= 0) return null;
    return (job.total - job.current) * elapsed / done;
  }

  function renderJobs() {
    const box = $('running-jobs');
    const rows = [];
    for (const job of state.jobs.values()) {
      const total = job.total || 0;
      const current = job.current || 0;
      const frac = total ? Math.min(1, current / total) : 0;
      const left = eta(job);
      rows.push(el('div', { class: 'job', 'data-job-id': job.job_id, 'data-current': current, 'data-total': total },
        el('div', { class: 'head' },
          el('strong', { text: (job.user_id ? job.user_id + ' · ' : '') + job.job_id }),
          el('span', { class: 'job-progress', text: num(current) + ' of ' + num(total) + ' done' }),
          el('span', { class: 'muted small', text: left === null ? 'estimating time left…' : 'about ' + duration(left) + ' left' }),
          el('button', { type: 'button', class: 'danger', onclick: () => cancelJob(job.job_id) }, 'Cancel')),
        el('div', { class: 'bar good' }, el('div', { style: 'width:' + (frac * 100).toFixed(1) + '%' })),
        el('div', { class: 'muted small' },
          (job.failed ? num(job.failed) + ' failed · ' : '') +
          (job.latest_quality ? 'latest quality ' + num(job.latest_quality, 1) + ' of 10' : '') +
          (job.current_genre ? ' · ' + job.current_genre : ''))));
    }
    box.replaceChildren(...(rows.length ? rows : [el('p', { class: 'muted', text: 'No job is running.' })]));
  }

  async function cancelJob(id) {
    try {
      await api('/jobs/' + encodeURIComponent(id), { method: 'DELETE' });
      notice('Cancelling ' + id + '…');
    } catch (e) { reportError('Cancel failed', e); }
  }

  async function refreshHistory() {
    try {
      const body = await api('/history?limit=20');
      const rows = (body.history || []).map((h) => {
        const started = toDate(h.started_at);
        const result = h.state === 'completed' || !h.state
          ? num(h.successful) + ' of ' + num(h.total_requested) + ' made'
          : h.state.replace(/_/g, ' ') + ' · ' + num(h.successful) + ' of ' + num(h.total_requested);
        return el('tr', {},
          el('td', { text: started ? clock(started) : '–' }),
          el('td', { text: h.kind || (h.session_id && /sched/.test(h.session_id) ? 'scheduled' : 'batch') }),
          el('td', { text: result }),
          el('td', { text: h.average_quality ? num(h.average_quality, 1) + ' / 10' : '–' }),
          el('td', { text: duration(h.total_time) }),
          el('td', { text: h.best_model || '–' }));
      });
      $('finished-jobs').replaceChildren(...(rows.length ? rows
        : [el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'Nothing has run yet.' }))]));
    } catch (e) { /* shown on the next refresh */ }
  }

  // ---- dataset
  async function refreshStats() {
    try {
      state.statsAt = Date.now();
      state.statsSize = state.status && state.status.dataset ? state.status.dataset.examples : undefined;
      state.stats = await api('/history/stats');
      renderDataset();
      renderProviders();
    } catch (e) { /* shown on the next refresh */ }
  }

  function barChart(values, labels, title) {
    const w = 300, h = 110, pad = 14;
    const max = Math.max(1, ...values);
    const bw = (w - 4) / Math.max(1, values.length);
    const root = svg('svg', { viewBox: '0 0 ' + w + ' ' + h, role: 'img', 'aria-label': title });
    values.forEach((v, i) => {
      const bh = (h - 2 * pad) * v / max;
      const r = svg('rect', { x: 2 + i * bw + 1, y: h - pad - bh, width: Math.max(1, bw - 2), height: bh });
      const t = svg('title', {});
      t.textContent = labels[i] + ': ' + v;
      r.append(t);
      root.append(r);
    });
    const lo = svg('text', { x: 2, y: h - 2 });
    lo.textContent = labels[0] || '';
    const hi = svg('text', { x: w - 2, y: h - 2, 'text-anchor': 'end' });
    hi.textContent = labels[labels.length - 1] || '';
    const top = svg('text', { x: 2, y: 9 });
    top.textContent = 'max ' + max;
    root.append(lo, hi, top);
    return root;
  }

  function balance(title, map) {
    const entries = Object.entries(map || {}).map(([k, v]) => [k, typeof v === 'object' ? v.examples || 0 : v])
      .sort((a, b) => b[1] - a[1]);
    const max = Math.max(1, ...entries.map((e) => e[1]));
    return el('div', { class: 'chart hbars' }, el('h3', { text: title }),
      entries.length ? entries.map(([k, v]) => el('div', { class: 'line' },
        el('span', { text: k }),
        el('div', { class: 'bar' }, el('div', { style: 'width:' + (100 * v / max).toFixed(1) + '%' })),
        el('span', { text: num(v) })))
        : el('p', { class: 'muted', text: 'No examples yet.' }));
  }

  let qualityCache = null;
  async function qualityHistogram() {
    const s = state.stats;
    if (s && Array.isArray(s.quality_histogram)) return s.quality_histogram.map((b) => b.count || 0);
    // Older zegad: count the newest examples' scores here.
    if (qualityCache && Date.now() - qualityCache.at < 60000) return qualityCache.counts;
    const counts = new Array(10).fill(0);
    try {
      const body = await api('/examples?limit=1000');
      for (const ex of body.examples || []) counts[Math.min(9, Math.max(0, Math.floor(ex.quality || 0)))]++;
    } catch (e) { /* leave empty */ }
    qualityCache = { at: Date.now(), counts };
    return counts;
  }

  async function renderDataset() {
    const box = $('dataset-body');
    const d = (state.status && state.status.dataset) || {};
    const s = state.stats || {};
    const size = d.examples !== undefined ? d.examples : s.total_examples_generated;
    const threshold = d.fine_tune_threshold || 50;
    const frac = size ? Math.min(1, size / threshold) : 0;
    const days = [];
    const labels = [];
    const byDay = s.by_day || {};
    for (let i = 29; i >= 0; i--) {
      const day = new Date(Date.now() - i * 86400000).toISOString().slice(0, 10);
      labels.push(day.slice(5));
      days.push(byDay[day] ? byDay[day].examples || 0 : 0);
    }
    const hist = await qualityHistogram();
    box.replaceChildren(
      el('div', { class: 'facts' },
        el('div', { class: 'fact' }, el('b', { 'data-testid': 'dataset-size', text: num(size) + ' of ' + num(threshold) }),
          el('span', { text: 'examples toward fine-tuning' + (d.user_id ? ' (' + d.user_id + ')' : '') })),
        el('div', { class: 'fact' }, el('b', { text: s.average_quality ? num(s.average_quality, 1) + ' / 10' : '–' }), el('span', { text: 'average quality' })),
        el('div', { class: 'fact' }, el('b', { text: d.ready_for_finetuning ? 'ready' : 'not yet' }), el('span', { text: 'fine-tuning' }))),
      el('div', { class: 'bar' + (frac >= 1 ? ' good' : '') }, el('div', { style: 'width:' + (frac * 100).toFixed(1) + '%' })),
      el('div', { class: 'charts' },
        el('div', { class: 'chart' }, el('h3', { text: 'Examples per day (30 days)' }), barChart(days, labels, 'examples per day')),
        el('div', { class: 'chart' }, el('h3', { text: 'Quality (0 to 10)' }),
          barChart(hist, hist.map((_, i) => i + '–' + (i + 1)), 'quality histogram')),
        balance('Genres', s.by_genre),
        balance('Elements', s.by_element)));
  }

  async function triggerFinetune() {
    const user = (state.status && state.status.dataset && state.status.dataset.user_id) || 'default';
    const out = $('finetune-result');
    out.textContent = 'Starting…';
    try {
      const r = await api('/user/' + encodeURIComponent(user) + '/trigger-finetuning', { method: 'POST' });
      out.textContent = (r && r.message) || (r && r.status) || 'Started.';
    } catch (e) {
      out.textContent = '';
      reportError('Fine-tuning', e);
    }
  }

  // ---- schedule
  async function refreshSchedule() {
    try {
      renderSchedule(await api('/schedule'));
    } catch (e) {
      if (e.status === 404) {
        $('schedule-body').replaceChildren(el('p', { class: 'muted', 'data-testid': 'schedule-missing',
          text: 'This zegad does not report a schedule (no GET /schedule).' }));
      } else {
        $('schedule-body').replaceChildren(el('p', { class: 'muted', text: 'Schedule unavailable: ' + e.message }));
      }
    }
  }

  function renderSchedule(s) {
    if (!s) return;
    const t = s.today || {};
    const win = t.window || s.window || {};
    const next = toDate(s.next_task_at);
    const strip = (s.days || []).slice(-30).map((d) =>
      el('span', { class: d.status || '', title: d.date + ': ' + num(d.done) + ' of ' + num(d.target) + ' (' + (d.status || 'no target') + ')' }));
    $('schedule-body').replaceChildren(...[
      s.enabled === false ? el('p', { class: 'muted', text: 'No schedule is configured; only jobs sent over HTTP run.' }) : null,
      el('div', { class: 'facts' },
        el('div', { class: 'fact' }, el('b', { text: num(t.done) + ' of ' + num(t.target) }), el('span', { text: "today's examples" })),
        el('div', { class: 'fact' }, el('b', { text: num(t.failed) }), el('span', { text: 'failed today' })),
        el('div', { class: 'fact' }, el('b', { text: win.start ? win.start + '–' + win.end : '–' }),
          el('span', { text: 'window' + (s.timezone ? ' (' + s.timezone + ')' : '') })),
        el('div', { class: 'fact' }, el('b', { text: next ? clock(next) : '–' }), el('span', { text: 'next task' })),
        el('div', { class: 'fact' }, el('b', { text: (s.phase && (s.phase.description || s.phase.name)) || '–' }), el('span', { text: 'phase' }))),
      el('div', { class: 'strip', 'aria-label': 'last 30 days' }, strip),
      el('div', { class: 'legend' }, 'Last 30 days:', el('i', { class: 'met', style: 'background:var(--ok)' }), 'met',
        el('i', { style: 'background:#e2a93b' }), 'partly', el('i', { style: 'background:var(--bad)' }), 'missed'),
    ].filter(Boolean));
  }

  // ---- examples browser
  function filterQuery(form, keys) {
    const q = new URLSearchParams();
    for (const k of keys) {
      const v = form.elements[k] && form.elements[k].value;
      if (v) q.set(k, v);
    }
    return q;
  }

  async function loadExamples(more) {
    const form = $('example-filters');
    const q = filterQuery(form, ['genre', 'element', 'min_quality', 'provider', 'status']);
    q.set('limit', '50');
    if (more && state.exampleCursor) q.set('cursor', state.exampleCursor);
    try {
      const body = await api('/examples?' + q.toString());
      if (!more) { state.examples.clear(); $('example-rows').replaceChildren(); }
      // A zegad that ignores a filter still gets it applied here.
      const wantProvider = q.get('provider');
      const wantStatus = q.get('status');
      for (const ex of body.examples || []) {
        if (wantProvider && ex.provider !== wantProvider) continue;
        if (wantStatus && (ex.status || '') !== wantStatus) continue;
        state.examples.set(String(ex.id), ex);
        $('example-rows').append(exampleRow(ex));
      }
      state.exampleCursor = body.next_cursor || null;
      $('more-examples').hidden = !state.exampleCursor;
      if (!$('example-rows').children.length)
        $('example-rows').append(el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'No example matches.' })));
    } catch (e) { reportError('Examples', e); }
  }

  function statusWords(ex) {
    return ex.status === 'accepted' ? 'accepted' : ex.status === 'rejected' ? 'rejected' : 'not reviewed';
  }

  function exampleRow(ex) {
    const created = toDate(ex.created_ms);
    return el('tr', { class: 'clickable', 'data-example-id': ex.id, tabindex: 0, onclick: () => openExample(ex.id),
      onkeydown: (e) => { if (e.key === 'Enter') openExample(ex.id); } },
      el('td', { text: created ? clock(created) : '–' }),
      el('td', { text: ex.genre || '–' }),
      el('td', { text: ex.element || '–' }),
      el('td', { text: num(ex.quality, 1) }),
      el('td', { text: ex.provider || '–' }),
      el('td', { class: 'example-status', text: statusWords(ex) }));
  }

  function breakdownOf(ex) {
    let q = ex.quality_breakdown || null;
    if (!q && typeof ex.quality_json === 'string') {
      try { q = JSON.parse(ex.quality_json); } catch (e) { q = null; }
    }
    return q && Array.isArray(q.parts) ? q.parts : [];
  }

  function openExample(id) {
    const ex = state.examples.get(String(id));
    if (!ex) return;
    state.openExample = ex;
    $('example-title').textContent = (ex.genre || '') + ' ' + (ex.element || 'example') + ' · ' + num(ex.quality, 1) + ' / 10';
    const parts = breakdownOf(ex);
    const cands = Array.isArray(ex.candidates) ? ex.candidates : [];
    $('example-detail').replaceChildren(
      el('p', { class: 'muted small', text: (ex.topic ? 'Topic: ' + ex.topic + ' · ' : '') + 'by ' + (ex.provider || '?') + ' (' + (ex.model || '?') + ')' }),
      el('h3', { text: 'Text' }), el('div', { class: 'text', 'data-testid': 'example-text', text: ex.output || '' }),
      el('h3', { text: 'Prompt' }), el('div', { class: 'text', text: ex.prompt || '' }),
      el('h3', { text: 'Score' }),
      parts.length ? el('table', { class: 'list' }, el('tbody', {}, parts.map((p) =>
        el('tr', {}, el('td', { text: p.name }), el('td', { text: num(p.score, 2) + ' of ' + num(p.max, 2) }), el('td', { class: 'muted', text: p.note || '' })))))
        : el('p', { class: 'muted', text: 'No breakdown stored.' }),
      el('h3', { text: 'Candidates' }),
      cands.length ? cands.map((c) => el('div', { class: 'candidate' },
        el('div', { text: (c.provider || '?') + ' (' + (c.model || '?') + ') · ' + num(c.quality, 1) + ' / 10' }),
        c.output || c.text ? el('div', { class: 'text', text: c.output || c.text }) : null))
        : el('p', { class: 'muted', text: 'Only one candidate.' }));
    $('example-status').textContent = statusWords(ex);
    const dlg = $('example-dialog');
    if (!dlg.open) dlg.showModal();
  }

  async function curate(status) {
    const ex = state.openExample;
    if (!ex) return;
    try {
      const r = await api('/examples/' + encodeURIComponent(ex.id), { method: 'PATCH', body: { status } });
      ex.status = (r && r.status) || status;
      $('example-status').textContent = statusWords(ex);
      const row = document.querySelector('tr[data-example-id="' + CSS.escape(String(ex.id)) + '"] .example-status');
      if (row) row.textContent = statusWords(ex);
      notice('Example ' + ex.id + ' ' + statusWords(ex) + (status === 'rejected' ? '; exports leave it out.' : '.'));
    } catch (e) { reportError('Could not record ' + status, e); }
  }

  // ---- actions
  async function togglePause() {
    const paused = state.status && state.status.paused;
    try {
      await api(paused ? '/resume' : '/pause', { method: 'POST' });
      if (state.status) state.status.paused = !paused;
      renderPause();
      refreshStatus();
    } catch (e) { reportError(paused ? 'Resume' : 'Pause', e); }
  }

  async function downloadExport(ev) {
    ev.preventDefault();
    const q = filterQuery($('export-form'), ['genre', 'element', 'min_quality', 'format', 'split']);
    try {
      // fetch, not a plain link, so the token goes along.
      const res = await fetch('/export?' + q.toString(), { headers: authHeaders() });
      if (!res.ok) {
        let body = null;
        try { body = await res.json(); } catch (e) { body = null; }
        throw new ApiError(res.status, messageOf(body, res));
      }
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const a = el('a', { href: url, download: 'zega-dataset.jsonl' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) { reportError('Export', e); }
  }

  async function fillFilters() {
    try {
      const g = await api('/training/genres');
      for (const sel of document.querySelectorAll('.genre-select'))
        for (const name of g.genres || []) sel.append(el('option', { value: name, text: name }));
      for (const sel of document.querySelectorAll('.element-select'))
        for (const name of g.elements || []) sel.append(el('option', { value: name, text: name }));
    } catch (e) { /* the filters still work with "any" */ }
  }

  function fillProviderSelect() {
    const sel = document.querySelector('.provider-select');
    const have = new Set([...sel.options].map((o) => o.value));
    for (const name of state.providers.keys())
      if (!have.has(name)) sel.append(el('option', { value: name, text: name }));
  }

  function init() {
    const tokenInput = $('token');
    tokenInput.value = token();
    tokenInput.addEventListener('change', () => {
      if (tokenInput.value) sessionStorage.setItem(TOKEN_KEY, tokenInput.value);
      else sessionStorage.removeItem(TOKEN_KEY);
      refreshStatus();
    });
    $('pause-toggle').addEventListener('click', togglePause);
    $('export-form').addEventListener('submit', downloadExport);
    $('example-filters').addEventListener('submit', (e) => { e.preventDefault(); loadExamples(false); });
    $('more-examples').addEventListener('click', () => loadExamples(true));
    $('example-accept').addEventListener('click', () => curate('accepted'));
    $('example-reject').addEventListener('click', () => curate('rejected'));
    $('trigger-finetune').addEventListener('click', triggerFinetune);
    setLiveMode('connecting');
    fillFilters();
    refreshStatus();
    refreshJobs();
    refreshHistory();
    refreshStats();
    refreshSchedule();
    loadExamples(false);
    connectEvents();
    // Slow-moving figures (history, charts, schedule) are refreshed now and then even with
    // the live stream, which carries only what changes often.
    setInterval(() => { refreshStats(); refreshHistory(); refreshSchedule(); }, 60000);
    // Day counters creep with every call; the stream carries state changes, so re-read
    // the whole status now and then as well.
    setInterval(() => { if (state.liveMode === 'live') refreshStatus(); }, 30000);
  }

  document.addEventListener('DOMContentLoaded', init);
})();
