#include "net/api/routes_schedule.hpp"
#include "net/api/views_status.hpp"

#include "actors/policy/calendar.hpp"
#include "net/http/types.hpp"
#include "store/codec.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>

namespace zega::net {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr auto planner_timeout = std::chrono::seconds(5);

void str(json_writer& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void time_or_null(json_writer& w, std::int64_t ms) {
  if (ms == 0)
    w.Null();
  else
    str(w, store::iso8601_utc(ms));
}

std::string clock_text(int minute) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60 % 24, minute % 60);
  return buf;
}

const char* day_status(const schedule_day& d) {
  if (d.missed || (d.done == 0 && d.target > 0)) return "missed";
  return d.done >= d.target ? "met" : "partly";
}

void write_schedule(json_writer& w, const schedule_view& v) {
  w.StartObject();
  w.Key("name");
  str(w, v.name);
  w.Key("user_id");
  str(w, v.user_id);
  w.Key("timezone");
  str(w, v.timezone);
  w.Key("paused");
  w.Bool(v.paused);
  w.Key("phase");
  w.StartObject();
  w.Key("index");
  w.Int(v.phase);
  w.Key("description");
  str(w, v.phase_description);
  w.EndObject();
  w.Key("day_index");
  w.Int64(v.day_index);
  w.Key("today");
  w.StartObject();
  w.Key("date");
  str(w, cal::format_day(v.today.day));
  w.Key("open");
  w.Bool(v.day_open);
  w.Key("target");
  w.Int(v.today.target);
  w.Key("done");
  w.Int(v.today.done);
  w.Key("failed");
  w.Int(v.today.failed);
  w.Key("in_flight");
  w.Int(v.in_flight);
  w.Key("window_start");
  time_or_null(w, v.window_start_ms);
  w.Key("window_end");
  time_or_null(w, v.window_end_ms);
  // The configured local window, as the console shows it.
  w.Key("window");
  w.StartObject();
  w.Key("start");
  str(w, clock_text(v.window_start_minute));
  w.Key("end");
  str(w, v.window_end_minute >= 24 * 60 ? std::string("24:00") : clock_text(v.window_end_minute));
  w.EndObject();
  w.EndObject();
  w.Key("next_task_at");
  time_or_null(w, v.next_task_at_ms);
  w.Key("total_done");
  w.Int64(v.total_done);
  w.Key("missed_days");
  w.Int64(v.missed_days);
  w.Key("days");
  w.StartArray();
  for (const auto& d : v.days) {
    w.StartObject();
    w.Key("date");
    str(w, cal::format_day(d.day));
    w.Key("target");
    w.Int(d.target);
    w.Key("done");
    w.Int(d.done);
    w.Key("failed");
    w.Int(d.failed);
    w.Key("status");
    w.String(day_status(d));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

} // namespace

// Asks every planner (bounded); a planner that does not answer is left out.
void gather_schedules(const api_context& ctx,
                      std::function<void(std::vector<schedule_view>)> done) {
  auto planners = ctx.planners ? ctx.planners->all() : std::vector<planner_actor>{};
  if (planners.empty()) {
    done({});
    return;
  }
  ctx.system->spawn([planners, done](caf::event_based_actor* self) {
    struct acc {
      std::vector<std::optional<schedule_view>> got;
      std::size_t left = 0;
    };
    auto a = std::make_shared<acc>();
    a->got.resize(planners.size());
    a->left = planners.size();
    auto finish = [a, done] {
      if (--a->left != 0) return;
      std::vector<schedule_view> out;
      for (auto& v : a->got)
        if (v) out.push_back(std::move(*v));
      done(std::move(out));
    };
    for (std::size_t i = 0; i < planners.size(); ++i)
      self->request(planners[i], planner_timeout, schedule_atom::value)
        .then([a, i, finish](const schedule_view& v) { a->got[i] = v; finish(); },
              [finish](const caf::error&) { finish(); });
  });
}

std::string schedule_json(const schedule_view& v) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  write_schedule(w, v);
  return buf.GetString();
}

std::string schedules_document(const std::vector<schedule_view>& views) {
  std::string out = R"({"enabled":)" + std::string(views.empty() ? "false" : "true");
  if (!views.empty()) {
    // The first schedule's members at the top level, for readers of one schedule.
    auto first = schedule_json(views.front());
    out += "," + first.substr(1, first.size() - 2);
  }
  out += R"(,"schedules":[)";
  for (std::size_t i = 0; i < views.size(); ++i) {
    if (i) out += ",";
    out += schedule_json(views[i]);
  }
  return out + "]}";
}

bool route_schedule(const api_context& ctx, server_request& req, responder& res) {
  if (req.path != "/schedule") return false;
  if (req.method != "GET") {
    res.respond(405, "application/json", error_json("method_not_allowed", "use GET"),
                {{"allow", "GET"}});
    return true;
  }
  gather_schedules(ctx, [res](std::vector<schedule_view> views) {
    res.respond(200, "application/json", schedules_document(views));
  });
  return true;
}

void status_with_schedules(const api_context& ctx, const responder& res) {
  auto scheduler = ctx.scheduler;
  gather_schedules(ctx, [ctx, scheduler, res](std::vector<schedule_view> views) {
    ctx.system->spawn([=](caf::event_based_actor* self) {
      self->request(scheduler, std::chrono::seconds(10), status_atom::value)
        .then(
          [=](const status_report& report) {
            auto body = status_view(report);
            const auto end = body.rfind('}');
            if (end != std::string::npos) {
              std::string list = "[";
              for (std::size_t i = 0; i < views.size(); ++i) {
                if (i) list += ",";
                list += schedule_json(views[i]);
              }
              body.insert(end, R"(,"schedules":)" + list + "]");
            }
            res.respond(200, "application/json", std::move(body));
          },
          [=](const caf::error& err) {
            res.respond(503, "application/json",
                        error_json("unavailable",
                                   "scheduler did not answer: " + self->system().render(err)));
          });
    });
  });
}

} // namespace zega::net
