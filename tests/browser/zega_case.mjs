// One run of ZEGA's training page (tests/browser/zega/, a stand-in making ZEGA's calls)
// served from http://localhost:5173 against zegad on another port: a cross-origin JSON
// POST with its preflight, the SSE stream read by fetch, the result rendered from
// training_stats, total_time and genre_distribution.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, check, log, startStack, launchBrowser, watchErrors, staticServer, until } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
// The documented ZEGA setting (issue 12).
export const zegaOrigins = ['http://localhost:5173', 'http://localhost:3000'];

export async function zegaTraining({ n, genres = [], user = 'zega-user', latencyMs = 5 }) {
  const stack = await startStack({ latencyMs, server: { cors_origins: zegaOrigins } });
  // Flawless fake prose: every example reaches the memory threshold, so the page's counts
  // (training_examples, ready at 50) are exact.
  const flaws = await call(stack.fakeBase, 'POST', '/_fake/config', { prose_flaws: 0 });
  check('the fake server takes prose_flaws 0', flaws.status === 200, flaws.text);
  const origin = await staticServer(path.join(here, 'zega'));
  const context = await launchBrowser();
  const page = await context.newPage();
  const errors = watchErrors(page);
  const responses = [];
  page.on('response', (r) => responses.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`));
  const api = `http://localhost:${stack.port}`;
  const q = new URLSearchParams({ api, user, n: String(n) });
  if (genres.length) q.set('genres', genres.join(','));
  await page.goto(`${origin}/?${q}`, { waitUntil: 'load' });
  await page.locator('#start').click();
  await until('a result or an error', async () =>
    (await page.locator('#result').isVisible()) || (await page.locator('#error').isVisible()), 60000);
  log('responses:', responses.join(', '));
  const failure = (await page.locator('#error').isVisible()) ? await page.locator('#error-text').innerText() : '';
  check('the page shows a result, not "Training Failed"', failure === '', failure);
  check('the streaming call was used (no fallback)', responses.includes('POST /auto-train-stream 200'), responses.join(', '));
  const summary = await page.locator('#summary').innerText();
  check('successful, total_requested and total_time render',
    new RegExp(`^Successfully generated ${n} out of ${n} examples in \\d+\\.\\d seconds$`).test(summary), summary);
  // The fake writer truncates an odd dialogue (about 1 in 150) below the memory threshold,
  // so the page is compared with the daemon's own count, not with n.
  const stats = await call(stack.base, 'GET', `/user/${user}/training-stats`);
  const good = stats.json?.training_examples;
  check('the batch\'s examples are training examples', good >= n - 2 && good <= n, stats.text);
  check('training_stats.training_examples renders', (await page.locator('#training-examples').innerText()) === String(good));
  const untilText = await page.locator('#until-next').innerText();
  check('training_stats.examples_until_next_training renders', untilText === String(50 - (good % 50)), untilText);
  const counts = await page.locator('#genres li').evaluateAll((lis) => lis.map((li) => [li.dataset.genre, Number(li.textContent.split(': ')[1])]));
  check('genre_distribution renders and adds up', counts.reduce((a, [, c]) => a + c, 0) === n, JSON.stringify(counts));
  const avg = await page.locator('#avg-quality').innerText();
  check('average_quality renders', /^\d+\.\d\/10$/.test(avg), avg);
  const models = await page.locator('#models li').allInnerTexts();
  check('model_performance renders (avg_quality, count)',
    models.length > 0 && models.every((m) => /\d+\.\d\/10, \d+ wins$/.test(m)), models.join(' | '));
  const saved = await page.locator('#stories-saved').innerText();
  check('stories_saved renders', /^\d+$/.test(saved), saved);
  const logLines = await page.locator('#log li').allInnerTexts();
  check('every progress event makes a log line (latest_quality, best_model)',
    logLines.length === n && logLines.every((l) => / - Quality: \d+\.\d\/10 - Model: \S/.test(l)),
    logLines.join(' | '));
  if (genres.length)
    check('only the chosen genres were written', counts.every(([g]) => genres.includes(g)), JSON.stringify(counts));
  return { stack, page, errors };
}
