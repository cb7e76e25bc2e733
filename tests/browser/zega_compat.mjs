// Issue 12: ZEGA's training page on http://localhost:5173 runs a batch against zegad.
// Needs: server.cors_origins with preflight answered (CORS on the SSE
// stream too), training_stats in the SSE "complete" result.
import { run, check } from './harness.mjs';
import { zegaTraining } from './zega_case.mjs';

await run('zega_compat', 120000, async () => {
  const { errors } = await zegaTraining({ n: 3 });
  check('no console error', errors.length === 0, errors.join('\n'));
});
