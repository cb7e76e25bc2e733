// Issue 12: after 50 examples ZEGA's page offers "Trigger Fine-Tuning Now"; its POST (no
// body, no content type, from ZEGA's origin) creates the Ollama model zega-{user}.
// Needs: everything zega_compat.mjs needs, POST
// /user/{id}/trigger-finetuning answering {"status","message",...} to a body-less POST
// from a configured origin, and the fake server's POST /api/create listed in /api/tags.
import { run, check, call, until } from './harness.mjs';
import { zegaTraining } from './zega_case.mjs';

await run('zega_finetune', 180000, async () => {
  // 53 so that an odd truncated example (see zega_case.mjs) still leaves 50 training examples.
  const { stack, page, errors } = await zegaTraining({ n: 53, user: 'alice' });
  check('the page offers fine-tuning at 50 examples', await page.locator('#finetune').isVisible());
  await page.locator('#trigger').click();
  const status = await until('the trigger\'s answer', async () =>
    page.locator('#finetune-message').getAttribute('data-status'), 60000);
  check('the trigger answers success', status === 'success', await page.locator('#finetune-message').innerText());
  const tags = await call(stack.fakeBase, 'GET', '/api/tags');
  const names = (tags.json?.models || []).map((m) => m.name || m.model);
  check('the fake Ollama lists zega-alice', names.some((m) => /^zega-alice(:|$)/.test(m)), names.join(', '));
  check('no console error', errors.length === 0, errors.join('\n'));
});
