#include "net/api/routes_events.hpp"
#include "net/api/routes_schedule.hpp"

#include "net/api/views_status.hpp"

#include <caf/send.hpp>

#include <algorithm>
#include <cmath>
#include <exception>

namespace zega::net {

namespace {

void write_job(view_writer& w, const job_progress& p) {
  w.Key("job_id");
  write_str(w, p.job_id);
  w.Key("user_id");
  write_str(w, p.user_id);
  w.Key("state");
  write_str(w, p.state);
  w.Key("total");
  w.Int(p.total);
  w.Key("current");
  w.Int(p.current);
  w.Key("percentage");
  w.Double(std::round(1000.0 * p.current / std::max(1, p.total)) / 10);
  w.Key("successful");
  w.Int(p.successful);
  w.Key("failed");
  w.Int(p.failed);
  w.Key("latest_quality");
  if (p.latest_quality)
    w.Double(std::round(*p.latest_quality * 10) / 10);
  else
    w.Null();
  w.Key("current_genre");
  write_str(w, p.current_genre);
  w.Key("best_model");
  write_str(w, p.best_model);
}

const char* type_of(live_kind k) {
  switch (k) {
    case live_kind::job:
      return "job";
    case live_kind::provider:
      return "provider";
    case live_kind::schedule:
      return "schedule";
    case live_kind::paused:
      return "paused";
    case live_kind::resumed:
      return "resumed";
    case live_kind::resync:
      break;
  }
  return "resync";
}

// One SSE client of the live stream. Called on the hub's thread only.
class live_sse_sink : public live_sink {
public:
  explicit live_sse_sink(responder res) : res_(std::move(res)) {
  }
  bool push(std::uint64_t id, const std::string& data) override {
    if (!res_.alive())
      return false;
    if (data.empty())
      res_.write(": heartbeat\n\n");
    else
      res_.write((id != 0 ? "id: " + std::to_string(id) + "\n" : std::string{}) + "data: " + data
                 + "\n\n");
    return true;
  }

private:
  responder res_;
};

} // namespace

std::string live_event_json(const live_event& e) {
  rapidjson::StringBuffer buf;
  view_writer w(buf);
  w.StartObject();
  w.Key("type");
  w.String(type_of(e.kind));
  switch (e.kind) {
    case live_kind::job:
      write_job(w, e.job);
      break;
    case live_kind::provider:
      w.Key("provider");
      write_provider(w, e.provider);
      break;
    case live_kind::schedule:
      w.Key("schedule");
      {
        const auto doc = schedule_json(e.schedule);
        w.RawValue(doc.data(), doc.size(), rapidjson::kObjectType);
      }
      break;
    default:
      break;
  }
  w.EndObject();
  return buf.GetString();
}

std::uint64_t last_event_id_of(const server_request& req) {
  std::string value;
  if (const std::string* h = find_header(req.headers, "last-event-id"))
    value = *h;
  else
    query_param(req.query, "last_event_id", value);
  try {
    return value.empty() ? 0 : std::stoull(value);
  } catch (const std::exception&) {
    return 0;
  }
}

bool route_events(const api_context& ctx, server_request& req, responder& res) {
  if (req.path != "/events")
    return false;
  if (req.method != "GET") {
    res.respond(405, "application/json",
                error_json("method_not_allowed", req.method + " is not allowed on /events (allowed: GET)"),
                {{"allow", "GET"}});
    return true;
  }
  if (!ctx.hub) {
    res.respond(404, "application/json", error_json("not_found", "no live stream in this daemon"));
    return true;
  }
  res.start_stream(200, "text/event-stream",
                   {{"cache-control", "no-cache"}, {"x-accel-buffering", "no"}});
  // A dropped client comes back within a few seconds and resumes from its Last-Event-ID.
  res.write("retry: 3000\n\n");
  caf::anon_send(ctx.hub, subscribe_atom::value,
                 live_sink_ptr{std::make_shared<live_sse_sink>(res)}, last_event_id_of(req));
  return true;
}

} // namespace zega::net
