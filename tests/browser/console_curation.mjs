// Issue 14, curation: open an example in the console, reject it, and the export no longer
// holds it; the "rejected" filter then lists it.
// Uses PATCH /examples/{id} {"status":"accepted"|"rejected"}, an example's "status" field in
// GET /examples and its ?status= filter, and GET /export leaving rejected examples out.

import { run, check, startStack, call, launchBrowser, watchErrors, until } from './harness.mjs';

function exportTexts(text) {
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line).output);
}

await run('console_curation', 120000, async () => {
  const stack = await startStack();
  const done = await call(stack.base, 'POST', '/auto-train', { num_examples: 4 });
  check('a 4-example job completes', done.status === 200 && done.json.successful === 4, done.text);
  const before = exportTexts((await call(stack.base, 'GET', '/export?format=zega')).text);
  check('the export holds the 4 examples', before.length === 4, before.length);

  const context = await launchBrowser();
  const page = await context.newPage();
  const errors = watchErrors(page); // every route the page reads exists: no error is excused
  await page.goto(stack.base + '/', { waitUntil: 'load' });
  const row = page.locator('[data-example-id]').first();
  await row.waitFor({ timeout: 10000 });
  const id = await row.getAttribute('data-example-id');
  await row.click();
  const text = await page.locator('[data-testid=example-text]').innerText();
  check('the opened example is one of the exported ones', before.includes(text));

  await page.locator('[data-testid=example-reject]').click();
  await until('the dialog to say rejected', async () =>
    (await page.locator('#example-status').innerText()) === 'rejected', 10000);
  check('the page records the rejection', true);
  check('the table row says rejected',
    (await page.locator(`tr[data-example-id="${id}"] .example-status`).innerText()) === 'rejected');

  const after = exportTexts((await call(stack.base, 'GET', '/export?format=zega')).text);
  check('the export no longer holds the rejected example', !after.includes(text) && after.length === 3, after.length);

  const listed = await call(stack.base, 'GET', '/examples?status=rejected');
  check('GET /examples?status=rejected lists exactly it',
    listed.status === 200 && listed.json.examples.length === 1 && String(listed.json.examples[0].id) === id, listed.text);

  await page.locator('#example-dialog button[value=close]').click();
  await page.locator('#example-filters select[name=status]').selectOption('rejected');
  await page.locator('#example-filters button[type=submit]').click();
  await until('the filtered list', async () => (await page.locator('[data-example-id]').count()) === 1, 10000);
  check('the status filter shows only the rejected example',
    (await page.locator('[data-example-id]').first().getAttribute('data-example-id')) === id);
  check('no console error', errors.length === 0, errors.join('\n'));
});
