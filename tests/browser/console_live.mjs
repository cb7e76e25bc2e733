// Issue 14, the parts today's zegad supports: the console loads, a job started over plain
// HTTP (not from the page) shows live progress, the provider's quota gauges move, nothing
// is printed as raw JSON, the page fits a phone's width, no console error, screenshots.
// Needs: GET /, /status, /jobs, /jobs/{id}/events, /history, /history/stats, /examples.
// Works with or without GET /events (without it the page polls and follows each job).

import path from 'node:path';
import { run, check, log, startStack, call, launchBrowser, watchErrors, until, buildDir } from './harness.mjs';

await run('console_live', 120000, async () => {
  // Each call takes 500 ms at the fake server, so 20 examples take several seconds: long
  // enough to watch the bar move.
  const stack = await startStack({ latencyMs: 500 });
  const context = await launchBrowser();
  const page = await context.newPage();
  const errors = watchErrors(page); // every route the page reads exists: no error is excused

  await page.goto(stack.base + '/', { waitUntil: 'load' });
  const card = page.locator('[data-provider="ollama"]');
  await card.waitFor({ timeout: 10000 });
  check('the provider card shows its state in words', (await card.locator('[data-testid=provider-state]').innerText()) === 'Available');
  const dayGauge = card.locator('[data-gauge="day"]');
  const usedBefore = Number(await dayGauge.getAttribute('data-used'));
  check('the day gauge starts at zero calls', usedBefore === 0, usedBefore);

  const submitted = await call(stack.base, 'POST', '/auto-train?async=1', { num_examples: 20 });
  check('a 20-example job is accepted over plain HTTP', submitted.status === 202, submitted.text);
  const jobId = submitted.json.job_id;
  const job = page.locator(`[data-job-id="${jobId}"]`);
  await job.waitFor({ timeout: 15000 });
  check('the running job appears on the page', true);

  // Progress moving: two different counts below 20, the second larger, both on screen.
  const first = await until('the first example of the job', async () => {
    const n = Number(await job.getAttribute('data-current').catch(() => '0'));
    return n >= 1 && n < 20 ? n : 0;
  }, 30000);
  const firstText = await job.locator('.job-progress').innerText();
  const second = await until('the job to move on', async () => {
    const n = Number(await job.getAttribute('data-current').catch(() => '0'));
    return n > first ? n : 0;
  }, 30000);
  check('the job\'s progress moves on the page', second > first, `${first} -> ${second}`);
  check('the progress reads in words', firstText === `${first} of 20 done`, firstText);

  const usedAfter = await until('the day gauge to count calls', async () => {
    const n = Number(await dayGauge.getAttribute('data-used'));
    return n > usedBefore ? n : 0;
  }, 20000);
  check('the provider\'s usage gauge changes', usedAfter > usedBefore, `${usedBefore} -> ${usedAfter}`);
  check('the gauge says what it counts', /\d+ \(no limit\)|\d+ of \d+/.test(await dayGauge.locator('.gauge-value').innerText()));
  // The real quota fields (/status and /events "quota"): a minute window beside the day,
  // and the recent latency measured by the provider.
  const minuteGauge = card.locator('[data-gauge="minute"]');
  check('the minute gauge counts this minute\'s calls', Number(await minuteGauge.getAttribute('data-used')) > 0);
  check('the card reports the recent latency', /ms typical/.test(await card.innerText()), await card.innerText());

  await page.screenshot({ path: path.join(buildDir, 'console.png'), fullPage: true });
  log('screenshot', path.join(buildDir, 'console.png'));

  // The finished job lands in the history table with rounded numbers and a local time.
  await until('the job to finish', async () => (await call(stack.base, 'GET', `/jobs/${jobId}`)).json?.state === 'completed', 60000);
  await page.locator('[data-testid=finished-jobs]', { hasText: '20 of 20 made' }).waitFor({ timeout: 15000 });
  check('the finished job is listed in words', true);
  check('the running list is empty again', (await page.locator('[data-job-id]').count()) === 0);
  const finishedRow = await page.locator('[data-testid=finished-jobs] tr').first().innerText();
  check('finished numbers are rounded', !/\d\.\d{3,}/.test(finishedRow), finishedRow);
  check('finished times are local, not raw UTC', !/\d{4}-\d\d-\d\dT/.test(finishedRow), finishedRow);

  // Examples browser: the job's examples are listed; opening one shows its text.
  await page.locator('#example-filters button[type=submit]').click();
  const row = page.locator('[data-example-id]').first();
  await row.waitFor({ timeout: 10000 });
  await row.click();
  const text = await page.locator('[data-testid=example-text]').innerText();
  check('an opened example shows its text', text.length > 50, text.length);
  await page.locator('#example-dialog button[value=close]').click();

  const body = await page.locator('body').innerText();
  check('no raw JSON on the page', !/[{[]\s*"[a-z_]+"\s*:/.test(body));

  // Readable on a phone: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check('the page fits a 390 px wide phone', overflow <= 0, `${overflow} px too wide`);
  await page.screenshot({ path: path.join(buildDir, 'console-phone.png'), fullPage: true });

  check('no console error', errors.length === 0, errors.join('\n'));
});
