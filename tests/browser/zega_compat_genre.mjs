// Issue 12: ZEGA's training page with a genre from ZEGA's list that zegad lacked ("crime").
// Needs: ZEGA's 25 genres, plus everything zega_compat.mjs needs.
import { run, check } from './harness.mjs';
import { zegaTraining } from './zega_case.mjs';

await run('zega_compat_genre', 120000, async () => {
  const { page, errors } = await zegaTraining({ n: 3, genres: ['crime'] });
  check('the crime examples are counted under crime',
    (await page.locator('#genres li[data-genre="crime"]').innerText()) === 'crime: 3');
  check('no console error', errors.length === 0, errors.join('\n'));
});
