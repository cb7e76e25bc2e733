// What ZEGA's training page does, call by call (see index.html).
'use strict';
const params = new URLSearchParams(location.search);
const api = params.get('api') || 'http://localhost:8002';
const userId = params.get('user') || 'zega-user';
const numExamples = Number(params.get('n') || '3');
const genres = params.get('genres') ? params.get('genres').split(',') : [];
const $ = (id) => document.getElementById(id);

function requestBody() {
  return JSON.stringify({
    user_id: userId,
    num_examples: numExamples,
    genres: genres.length > 0 ? genres : null,
    store_in_memory: false,
    save_to_database: true,
  });
}

// ZEGA reads the fields without guarding them: a missing training_stats throws here (ZEGA's
// page goes blank; this one shows "Training Failed" with the TypeError's message).
function showResult(result) {
  $('summary').textContent = 'Successfully generated ' + result.successful + ' out of '
    + result.total_requested + ' examples in ' + result.total_time.toFixed(1) + ' seconds';
  $('avg-quality').textContent = result.average_quality.toFixed(1) + '/10';
  $('stories-saved').textContent = String(result.stories_saved || 0);
  // As ZEGA's "AI Model Performance": best average first, avg_quality read with toFixed.
  for (const [model, perf] of Object.entries(result.model_performance)
    .sort(([, a], [, b]) => b.avg_quality - a.avg_quality).slice(0, 6)) {
    const li = document.createElement('li');
    li.dataset.model = model;
    li.textContent = model + ' ' + perf.avg_quality.toFixed(1) + '/10, ' + perf.count + ' wins';
    $('models').append(li);
  }
  $('training-examples').textContent = String(result.training_stats.training_examples);
  $('until-next').textContent = String(result.training_stats.examples_until_next_training);
  for (const [genre, count] of Object.entries(result.genre_distribution)) {
    const li = document.createElement('li');
    li.dataset.genre = genre;
    li.textContent = genre + ': ' + count;
    $('genres').append(li);
  }
  $('finetune').hidden = !result.ready_for_finetuning;
  $('result').hidden = false;
}

async function train() {
  $('error').hidden = true;
  let response;
  let streaming = true;
  try {
    response = await fetch(api + '/auto-train-stream', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: requestBody(),
    });
    if (!response.ok) throw new Error('Streaming not available');
  } catch (e) {
    console.log('Streaming not available, using regular endpoint');
    streaming = false;
    response = await fetch(api + '/auto-train', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: requestBody(),
    });
    if (!response.ok) {
      const errorData = await response.json();
      throw new Error(errorData.detail || 'Training failed');
    }
  }
  if (!streaming) {
    showResult(await response.json());
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    const lines = buffer.split('\n');
    buffer = lines.pop() || '';
    for (const line of lines) {
      if (!line.startsWith('data: ')) continue;
      const data = JSON.parse(line.slice(6));
      if (data.type === 'complete') {
        showResult(data.result);
      } else if (data.type !== 'heartbeat') {
        $('progress').textContent = 'Sample ' + (data.current || 0) + ' of ' + (data.total || numExamples)
          + (data.current_genre ? ' - ' + data.current_genre : '');
        $('progress').dataset.current = String(data.current || 0);
        // ZEGA's training log line: latest_quality read with toFixed, best_model shown.
        if (data.current && data.latest_quality) {
          const li = document.createElement('li');
          li.textContent = 'Sample ' + data.current + '/' + data.total + ' - ' + data.current_genre
            + ' - Quality: ' + data.latest_quality.toFixed(1) + '/10 - Model: ' + (data.best_model || 'ensemble');
          $('log').append(li);
        }
      }
    }
  }
}

$('start').addEventListener('click', () => {
  train().catch((e) => {
    $('error-text').textContent = e instanceof Error ? e.message : 'Unknown error occurred';
    $('error').hidden = false;
  });
});

// As ZEGA's button: a POST with no body and no content type, from this origin.
$('trigger').addEventListener('click', async () => {
  try {
    const response = await fetch(api + '/user/' + userId + '/trigger-finetuning', { method: 'POST' });
    const data = await response.json();
    $('finetune-message').textContent = data.message;
    $('finetune-message').dataset.status = data.status;
  } catch (e) {
    $('finetune-message').textContent = 'Fine-tuning trigger failed';
  }
});
