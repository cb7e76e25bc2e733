#include "net/api/dashboard.hpp"

namespace zega::net {

const char* dashboard_html() {
  return R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zegad</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:1.5rem;color:#222;max-width:70rem}
h1{font-size:1.3rem;margin:0 0 .5rem} h2{font-size:1.05rem;margin:1.4rem 0 .4rem}
table{border-collapse:collapse;width:100%} td,th{padding:.25rem .5rem;border-bottom:1px solid #ddd;text-align:left}
.bar{height:.8rem;background:#eee;border-radius:.4rem;overflow:hidden;width:20rem;display:inline-block;vertical-align:middle}
.bar div{height:100%;background:#4a7;width:0}
.state-available{color:#276} .state-broken,.state-unreachable{color:#b22} .muted{color:#777}
button,input,select{font:inherit;padding:.2rem .5rem}
</style></head><body>
<h1>zegad <span id="state" class="muted"></span></h1>
<div><button id="pause">Pause</button> <button id="resume">Resume</button>
<span id="dataset" class="muted"></span>
<input id="token" type="password" placeholder="API token (if set)" style="float:right"></div>
<h2>Providers</h2>
<table><thead><tr><th>provider</th><th>model</th><th>state</th><th>in flight</th><th>today</th><th>reason</th></tr></thead>
<tbody id="providers"></tbody></table>
<h2>Train</h2>
<form id="train">examples <input id="n" type="number" min="1" max="1000" value="5" style="width:5rem">
genre <select id="genre"><option value="">any</option></select> <button>Start</button></form>
<p><span class="bar"><div id="fill"></div></span> <span id="progress" class="muted"></span></p>
<h2>History</h2>
<table><thead><tr><th>job</th><th>state</th><th>ok / requested</th><th>avg quality</th><th>best model</th><th>started</th></tr></thead>
<tbody id="history"></tbody></table>
<script>
const $ = id => document.getElementById(id);
const esc = s => String(s ?? '').replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
async function getJson(path, opts) { const r = await fetch(path, opts); return r.json(); }
// State-changing calls are JSON (the daemon refuses anything else) and carry the token.
$('token').value = sessionStorage.getItem('zega-token') || '';
$('token').onchange = () => sessionStorage.setItem('zega-token', $('token').value);
function post(path, body) {
  const headers = {'content-type': 'application/json'};
  if ($('token').value) headers.authorization = 'Bearer ' + $('token').value;
  return fetch(path, {method: 'POST', headers, body: JSON.stringify(body || {})});
}
async function control(path) {
  const r = await post(path);
  if (!r.ok) $('state').textContent = (await r.json()).error.message;
  else refresh();
}
async function refresh() {
  try {
    const st = await getJson('/status');
    $('state').textContent = st.state + (st.reason ? ' — ' + st.reason : '') + ' · queue ' + st.queue_depth + ' · in flight ' + st.in_flight;
    $('dataset').textContent = 'dataset: ' + st.dataset.examples + ' examples (fine-tuning at ' + st.dataset.fine_tune_threshold + ')';
    $('providers').innerHTML = st.providers.map(p => '<tr><td>' + esc(p.name) + '</td><td>' + esc(p.model) +
      '</td><td class="state-' + esc(p.state) + '">' + esc(p.state) + '</td><td>' + p.in_flight + '/' + p.max_in_flight +
      '</td><td>' + p.requests_today + '</td><td>' + esc(p.broken_message || p.cooldown_reason || p.reason) + '</td></tr>').join('');
    const h = await getJson('/history?limit=20');
    $('history').innerHTML = h.history.map(j => '<tr><td>' + esc(j.session_id) + '</td><td>' + esc(j.state) +
      '</td><td>' + j.successful + ' / ' + j.total_requested + '</td><td>' + (j.average_quality ?? '') + '</td><td>' +
      esc(j.best_model) + '</td><td>' + esc(j.started_at) + '</td></tr>').join('');
  } catch (e) { $('state').textContent = 'unreachable'; }
}
async function loadGenres() {
  const g = await getJson('/training/genres');
  $('genre').innerHTML += g.genres.map(n => '<option>' + esc(n) + '</option>').join('');
}
$('pause').onclick = () => control('/pause');
$('resume').onclick = () => control('/resume');
$('train').onsubmit = async ev => {
  ev.preventDefault();
  const body = {num_examples: Number($('n').value)};
  if ($('genre').value) body.genres = [$('genre').value];
  const r = await post('/auto-train?async=1', body);
  const j = await r.json();
  if (!r.ok) { $('progress').textContent = j.error.message; return; }
  const es = new EventSource('/jobs/' + j.job_id + '/events');
  es.onmessage = m => {
    const e = JSON.parse(m.data);
    if (e.type === 'progress') {
      $('fill').style.width = e.percentage + '%';
      $('progress').textContent = e.current + '/' + e.total + ' · ok ' + e.successful + ' · failed ' + e.failed + ' · last quality ' + (e.latest_quality ?? '–');
    } else if (e.type === 'complete') {
      es.close(); $('fill').style.width = '100%';
      $('progress').textContent = 'done: ' + e.result.successful + ' ok, ' + e.result.failed + ' failed, average quality ' + e.result.average_quality;
      refresh();
    }
  };
};
loadGenres(); refresh(); setInterval(refresh, 3000);
</script></body></html>
)html";
}

} // namespace zega::net
