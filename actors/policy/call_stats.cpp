#include "actors/policy/call_stats.hpp"

#include "net/providers/codec.hpp"

#include <algorithm>
#include <cmath>

namespace zega::stats {

const char* outcome_label(const net::call_result& r) {
  using net::outcome_class;
  switch (r.cls) {
    case outcome_class::ok:
      return "ok";
    case outcome_class::throttled:
      return "429";
    case outcome_class::quota:
      return "quota";
    case outcome_class::transient:
      if (r.http_status >= 500)
        return "5xx";
      // No HTTP status: the call timed out or the connection broke mid-way.
      return r.message.find("time") != std::string::npos ? "timeout" : "network";
    case outcome_class::too_big:
      return "too_big";
    case outcome_class::bad_request:
      return "4xx";
    case outcome_class::broken:
      return "broken";
    case outcome_class::unreachable:
      return "unreachable";
    case outcome_class::refused:
      return "refused";
    case outcome_class::busy:
      break;
  }
  return "busy";
}

histogram::histogram(std::vector<double> bounds)
  : bounds_(std::move(bounds)), counts_(bounds_.size(), 0) {
}

void histogram::observe(double value) {
  ++count_;
  sum_ += value;
  // Buckets are "less or equal": a value on a bound belongs to that bound's bucket.
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  if (it != bounds_.end())
    ++counts_[static_cast<std::size_t>(it - bounds_.begin())];
}

std::vector<std::uint64_t> histogram::cumulative() const {
  std::vector<std::uint64_t> out(counts_.size());
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i)
    out[i] = running += counts_[i];
  return out;
}

std::vector<double> latency_buckets() {
  return {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
}

std::vector<double> wait_buckets() {
  return {0.01, 0.1, 0.5, 1, 5, 30, 60, 300, 1800, 3600, 4 * 3600.0};
}

void recent_calls::add(double latency_ms, bool ok) {
  calls_.push_back({latency_ms, ok});
  while (calls_.size() > capacity_)
    calls_.pop_front();
}

std::optional<double> recent_calls::latency_percentile(double p) const {
  if (calls_.empty())
    return std::nullopt;
  std::vector<double> v;
  v.reserve(calls_.size());
  for (const auto& c : calls_)
    v.push_back(c.latency_ms);
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::min(v.size(), std::max<std::size_t>(rank, 1)) - 1];
}

std::optional<double> recent_calls::error_rate() const {
  if (calls_.empty())
    return std::nullopt;
  auto failed = std::count_if(calls_.begin(), calls_.end(), [](const call& c) { return !c.ok; });
  return static_cast<double>(failed) / static_cast<double>(calls_.size());
}

} // namespace zega::stats
