#include "net/api/views_jobs.hpp"

#include "net/api/views_status.hpp"

namespace zega::net {

std::string jobs_view(const jobs_report& r) {
  rapidjson::StringBuffer buf;
  view_writer w(buf);
  w.StartObject();
  w.Key("jobs");
  w.StartArray();
  for (const auto& j : r.jobs) {
    w.StartObject();
    w.Key("job_id");
    write_str(w, j.job_id);
    w.Key("user_id");
    write_str(w, j.user_id);
    w.Key("state");
    write_str(w, j.state);
    w.Key("total_requested");
    w.Int(j.total_requested);
    w.Key("successful");
    w.Int(j.successful);
    w.Key("failed");
    w.Int(j.failed);
    w.Key("duplicates_rejected");
    w.Int(j.duplicates_rejected);
    w.Key("queued");
    w.Int(j.queued);
    w.Key("in_flight");
    w.Int(j.in_flight);
    w.Key("min_votes");
    w.Int(j.min_votes);
    w.Key("started_ms");
    w.Int64(j.started_ms);
    w.EndObject();
  }
  w.EndArray();
  w.Key("total");
  w.Uint64(r.jobs.size());
  w.EndObject();
  return buf.GetString();
}

std::string job_view(const jobs::job_summary& s) {
  return s.info.summary_json(s.total_time_s, s.ready_for_finetuning, s.stats ? &*s.stats : nullptr);
}

std::string cancel_view(const cancel_report& r) {
  rapidjson::StringBuffer buf;
  view_writer w(buf);
  w.StartObject();
  w.Key("job_id");
  write_str(w, r.job_id);
  w.Key("state");
  write_str(w, r.state);
  w.Key("dropped");
  w.Int(r.dropped);
  w.Key("in_flight");
  w.Int(r.in_flight);
  w.EndObject();
  return buf.GetString();
}

} // namespace zega::net
