// Issue 14 with issue 9's planner: the schedule panel shows today's target, done, window,
// next task and phase, and its done count moves live (schedule events on GET /events) while
// the planner works. A day lasts 86.4 s here (routing.time_scale 1000).

import { run, check, startStack, call, launchBrowser, watchErrors, until } from './harness.mjs';

await run('console_schedule', 120000, async () => {
  const stack = await startStack({
    latencyMs: 50,
    extra: {
      routing: { time_scale: 1000 },
      schedules: [{ name: 'nightly', user_id: 'night', timezone: 'UTC', phases: [{ per_day: 400 }] }],
    },
  });
  const context = await launchBrowser();
  const page = await context.newPage();
  const errors = watchErrors(page); // every route the page reads exists: no error is excused
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));

  await page.goto(stack.base + '/', { waitUntil: 'load' });
  const panel = page.locator('#schedule-body');
  await until('the schedule panel', async () => /of 400/.test(await panel.innerText()), 15000);
  const text = await panel.innerText();
  check('the target is shown', /of 400/.test(text), text);
  check('the window is shown', /00:00.24:00/.test(text), text);
  check('the phase is shown', /400 a day/.test(text), text);
  check('the time zone is shown', /UTC/.test(text), text);
  check('the next task is shown', !/–\s*next task/.test(text), text);

  const done = async () => Number(((await panel.innerText()).match(/([\d,]+) of 400/) || [])[1]?.replace(/,/g, '') || 0);
  const first = await done();
  const scheduleReads = requests.filter((p) => p === '/schedule').length;
  await until('the done count to move', async () => (await done()) > first, 20000);
  // The page re-reads /schedule only once a minute: the move came through the stream.
  check('the count moves live', requests.filter((p) => p === '/schedule').length === scheduleReads,
    `${requests.filter((p) => p === '/schedule').length - scheduleReads} extra /schedule reads`);

  const api = await call(stack.base, 'GET', '/schedule');
  check('GET /schedule agrees', api.status === 200 && api.json.schedules[0].today.target === 400, api.text);
  check('no console error', errors.length === 0, errors.join('\n'));
});
