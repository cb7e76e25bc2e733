// Shared pieces of the browser tests: zega-fake-llm and zegad as child processes on
// loopback, headless Chromium through playwright-core, a static file server on
// localhost:5173 (ZEGA's front-end origin), and a hard time limit on the whole test.
//
// Environment (set by CTest, see cmake/browser_tests.cmake):
//   ZEGAD_BIN, ZEGA_FAKE_LLM_BIN  the built programs
//   ZEGA_BUILD_DIR                where screenshots go (default: the current folder)
//   CHROMIUM                      the browser (default /usr/bin/chromium)

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const buildDir = process.env.ZEGA_BUILD_DIR || process.cwd();
const children = new Set();
const cleanups = [];
let failures = 0;
let passes = 0;

function needEnv(name) {
  const v = process.env[name];
  if (!v || !fs.existsSync(v)) {
    console.error(`${name} must name a built program (got ${v ? JSON.stringify(v) : 'nothing'})`);
    process.exit(2);
  }
  return v;
}

// Children die with the test however it ends: a normal exit, an exception or the time limit.
process.on('exit', () => {
  for (const c of children) {
    try { c.kill('SIGKILL'); } catch (e) { /* already gone */ }
  }
});

export function log(...args) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s]`, ...args);
}
const started = Date.now();

// Runs `body` with a hard limit; prints a closing line CTest's log can be read by, cleans
// up, and exits non-zero on any failure.
export async function run(name, limitMs, body) {
  const timer = setTimeout(() => {
    console.error(`${name}: timed out after ${limitMs / 1000} s`);
    process.exit(1);
  }, limitMs);
  try {
    await body();
  } catch (e) {
    failures++;
    console.error(`${name}: FAILED: ${e && e.stack ? e.stack : e}`);
  }
  for (const fn of cleanups.reverse()) {
    try { await fn(); } catch (e) { console.error('cleanup:', e.message); }
  }
  clearTimeout(timer);
  if (failures === 0 && passes === 0) {
    console.error(`${name}: no check ran`);
    failures = 1;
  }
  console.log(`${name}: ${passes} passed, ${failures} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  process.exit(failures ? 1 : 0);
}

// One named check; throws (ending the test) when it does not hold.
export function check(what, ok, detail) {
  if (!ok) throw new Error(`check failed: ${what}${detail === undefined ? '' : ': ' + detail}`);
  passes++;
  log('ok -', what);
}

// Starts a program and waits for its "listening on ...:PORT" line on stdout.
function startProgram(argv, pattern, logFile, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const out = fs.createWriteStream(logFile);
    let seen = '';
    let done = false;
    const timer = setTimeout(() => finish(new Error(`${path.basename(argv[0])} printed no port within ${timeoutMs} ms`)), timeoutMs);
    function finish(err, value) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err); else resolve(value);
    }
    child.stdout.on('data', (chunk) => {
      out.write(chunk);
      seen += chunk.toString();
      const m = seen.match(pattern);
      if (m) finish(null, { child, port: Number(m[1]) });
    });
    let errText = '';
    child.stderr.on('data', (chunk) => { out.write(chunk); errText = (errText + chunk).slice(-800); });
    child.on('exit', (code, signal) => {
      children.delete(child);
      // The log's folder is removed at the end, so the reason goes into the message.
      finish(new Error(`${path.basename(argv[0])} exited (${code ?? signal}) before listening: ${errText.trim()}`));
    });
    child.on('error', (e) => finish(e));
  });
}

async function stopProgram(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(t);
}

export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// zega-fake-llm and zegad, wired together. `config` is merged into zegad's config (server
// keys and top-level keys); `fakeArgs` go to the fake server.
export async function startStack({ latencyMs = 5, fakeArgs = [], server = {}, extra = {} } = {}) {
  const zegad = needEnv('ZEGAD_BIN');
  const fakeBin = needEnv('ZEGA_FAKE_LLM_BIN');
  const dir = tempDir('zega-browser-');
  const fake = await startProgram(
    [fakeBin, '--port', '0', '--seed', '7', '--latency-ms', String(latencyMs), ...fakeArgs],
    /listening on 127\.0\.0\.1:(\d+)/, path.join(dir, 'fake.log'), 20000);
  cleanups.push(() => stopProgram(fake.child));
  const fakeBase = `http://127.0.0.1:${fake.port}`;
  const config = Object.assign({
    server: Object.assign({ shutdown_grace_ms: 3000 }, server),
    providers: [{
      name: 'ollama', kind: 'ollama', base_url: fakeBase, model: 'llama3.2', priority: 1,
      timeouts: { connect_ms: 2000, first_byte_ms: 10000, total_ms: 20000 },
    }],
  }, extra);
  const configPath = path.join(dir, 'zegad.json');
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
  const daemon = await startProgram(
    [zegad, '--config', configPath, '--data-dir', path.join(dir, 'data'), '--listen', '127.0.0.1:0',
      '--env-file', '/dev/null'],
    /listening on http:\/\/127\.0\.0\.1:(\d+)/, path.join(dir, 'zegad.log'), 30000);
  cleanups.push(() => stopProgram(daemon.child));
  log(`zegad on ${daemon.port}, fake LLM on ${fake.port}`);
  return { base: `http://127.0.0.1:${daemon.port}`, port: daemon.port, fakeBase, dir };
}

// Plain HTTP from the test itself (not from the page).
export async function call(base, method, p, body) {
  const init = { method, headers: {} };
  if (method === 'POST' || method === 'PATCH' || body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body === undefined ? {} : body);
  }
  const res = await fetch(base + p, init);
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { json = null; }
  return { status: res.status, text, json };
}

// Headless Chromium with a fresh profile (a persistent context is how playwright passes
// --user-data-dir), and nothing fetched from outside.
export async function launchBrowser(viewport) {
  let chromium;
  try {
    ({ chromium } = require('playwright-core'));
  } catch (e) {
    throw new Error('playwright-core is not installed: run tools/test.sh (npm ci in tests/browser)');
  }
  const profile = tempDir('zega-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: viewport || { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30000,
  });
  cleanups.push(() => context.close());
  return context;
}

// Records console errors and uncaught exceptions of `page`. `allowed(msg)` may excuse a
// console message (never an uncaught exception).
export function watchErrors(page, allowed) {
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (allowed && allowed(msg)) {
      log('allowed console error:', msg.text(), msg.location().url);
      return;
    }
    errors.push(`console: ${msg.text()} (${msg.location().url || '?'})`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}

// A static file server on localhost:5173 (ZEGA's dev-server origin), on loopback only.
export async function staticServer(rootDir, port = 5173) {
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };
  const handler = (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const file = path.join(rootDir, path.normalize(url.pathname === '/' ? '/index.html' : url.pathname));
    if (!file.startsWith(rootDir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  };
  const servers = [];
  // "localhost" may resolve to either loopback address; listen on both.
  for (const host of ['127.0.0.1', '::1']) {
    const s = http.createServer(handler);
    try {
      await new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, resolve);
      });
      servers.push(s);
    } catch (e) {
      if (host === '127.0.0.1') throw new Error(`cannot listen on ${host}:${port}: ${e.message}`);
    }
  }
  cleanups.push(() => Promise.all(servers.map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); }))));
  return `http://localhost:${port}`;
}

// Waits for `pred` (an async function) to return a truthy value; readiness, not timing logic.
export async function until(what, pred, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
