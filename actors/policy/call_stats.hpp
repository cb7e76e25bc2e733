#pragma once
// Call statistics for the operator views and /metrics, free of CAF: a fixed-bucket
// histogram (Prometheus' cumulative shape) and the recent calls of one provider (latency
// percentiles and error rate over the last N calls, so a provider that recovered stops
// looking bad once it has answered well for a while).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zega::net {
struct call_result;
}

namespace zega::stats {

// The outcome class of an upstream call as /metrics labels it: ok, 429, quota, 5xx,
// timeout, network, 4xx, too_big, broken, unreachable, refused.
const char* outcome_label(const net::call_result& r);

// Observations counted into buckets with upper bounds `bounds` (ascending, seconds for the
// daemon's histograms); the +Inf bucket is implied by `count`.
class histogram {
public:
  histogram() = default;
  explicit histogram(std::vector<double> bounds);

  void observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative: cumulative()[i] = observations <= bounds()[i].
  std::vector<std::uint64_t> cumulative() const;
  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }

private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_; // per bucket, not cumulative
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

// Bucket bounds in seconds for upstream calls and end-to-end tasks (LLM calls take from a
// fraction of a second to minutes).
std::vector<double> latency_buckets();
// For time spent queued (from milliseconds to hours when providers are out of quota).
std::vector<double> wait_buckets();

// The last `capacity` calls of one provider.
class recent_calls {
public:
  explicit recent_calls(std::size_t capacity = 100) : capacity_(capacity) {}

  void add(double latency_ms, bool ok);

  std::size_t size() const { return calls_.size(); }
  // Nearest-rank percentile (0 < p <= 100) of the latencies; nullopt without calls.
  std::optional<double> latency_percentile(double p) const;
  // Share of failed calls, 0..1; nullopt without calls.
  std::optional<double> error_rate() const;

private:
  struct call {
    double latency_ms;
    bool ok;
  };
  std::size_t capacity_;
  std::deque<call> calls_;
};

} // namespace zega::stats
