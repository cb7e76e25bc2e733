// Issue 14, one live stream: with GET /events the console says it is live, shows a job
// started over plain HTTP from that stream alone (it opens no per-job stream and does not
// poll), and shows pause/resume done elsewhere within a moment.

import { run, check, startStack, call, launchBrowser, watchErrors, until } from './harness.mjs';

await run('console_events', 120000, async () => {
  const stack = await startStack({ latencyMs: 300 });
  const context = await launchBrowser();
  const page = await context.newPage();
  const errors = watchErrors(page); // every route the page reads exists: no error is excused
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));

  await page.goto(stack.base + '/', { waitUntil: 'load' });
  await until('the live indicator', async () =>
    (await page.locator('[data-testid=live-mode]').getAttribute('data-mode')) === 'live', 10000);
  check('the console uses the event stream', true);

  const submitted = await call(stack.base, 'POST', '/auto-train?async=1', { num_examples: 20 });
  check('a 20-example job is accepted over plain HTTP', submitted.status === 202, submitted.text);
  const job = page.locator(`[data-job-id="${submitted.json.job_id}"]`);
  const first = await until('progress', async () => {
    const n = Number(await job.getAttribute('data-current', { timeout: 500 }).catch(() => '0'));
    return n >= 1 && n < 20 ? n : 0;
  }, 20000);
  await until('more progress', async () =>
    Number(await job.getAttribute('data-current', { timeout: 500 }).catch(() => '0')) > first, 20000);
  check('the job moves on the page', true);
  check('no per-job stream was opened', !requests.some((p) => /^\/jobs\/[^/]+\/events$/.test(p)), requests.join(' '));

  const statusReads = () => requests.filter((p) => p === '/status').length;
  const readsBefore = statusReads();
  const paused = await call(stack.base, 'POST', '/pause');
  check('paused over plain HTTP', paused.status === 200, paused.text);
  // The page re-reads /status only every 30 s in live mode, so a quick change here came
  // through the stream's "paused" event.
  await until('the toggle to show paused', async () =>
    (await page.locator('[data-testid=pause-toggle]').getAttribute('aria-pressed')) === 'true', 3000);
  check('the pause shows at once', statusReads() === readsBefore, `${statusReads() - readsBefore} extra /status reads`);
  await call(stack.base, 'POST', '/resume');
  await until('the toggle to show running', async () =>
    (await page.locator('[data-testid=pause-toggle]').getAttribute('aria-pressed')) === 'false', 3000);
  check('the resume shows at once', true);
  check('no console error', errors.length === 0, errors.join('\n'));
});
