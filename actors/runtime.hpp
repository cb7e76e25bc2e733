#pragma once
// Actor-system settings shared by zegad and the benchmarks.

namespace caf {
class actor_system_config;
}

namespace zega {

// CAF 0.17's work-stealing workers, once idle, poll in "moderate" mode, sleeping 50 us
// between polls, so every message that wakes an idle worker waits up to one sleep; a
// provider call crosses two such wake-ups (~150 us measured by zega-bench-provider_overhead).
// Skipping the moderate phase puts idle workers on a condition variable that enqueueing
// notifies: a few microseconds per hop, and no CPU spent polling while the daemon waits on
// slow LLM calls.
void tune_scheduler(caf::actor_system_config& cfg);

} // namespace zega
