#include "net/api/routes_ops.hpp"

#include "actors/errors.hpp"
#include "config/log.hpp"
#include "store/backup.hpp"
#include "store/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/event_based_actor.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <chrono>

namespace zega::net {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

const char* json_type = "application/json";

// A reload reads two small files; the scheduler switches in one message.
constexpr auto reload_timeout = std::chrono::seconds(30);
constexpr auto reset_timeout = std::chrono::seconds(10);

void key_str(json_writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void str_array(json_writer& w, const char* key, const std::vector<std::string>& values) {
  w.Key(key);
  w.StartArray();
  for (const auto& v : values)
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  w.EndArray();
}

// 200 {"reloaded":true,"changes":[...],"restart_needed":[...]}, or 422 with the errors of
// each field ({"error":{...},"errors":[{"field","problem"}]}) and nothing changed.
void reload_view(const responder& res, const reload_report& r) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  if (!r.applied) {
    std::string message = "configuration not reloaded; the running one stays";
    for (const auto& [field, problem] : r.errors)
      message += "; " + (field.empty() ? problem : field + ": " + problem);
    w.Key("error");
    w.StartObject();
    key_str(w, "code", "invalid_config");
    key_str(w, "message", message);
    w.EndObject();
    key_str(w, "detail", message);
    w.Key("errors");
    w.StartArray();
    for (const auto& [field, problem] : r.errors) {
      w.StartObject();
      key_str(w, "field", field);
      key_str(w, "problem", problem);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    res.respond(422, json_type, std::string(buf.GetString(), buf.GetSize()));
    return;
  }
  w.Key("reloaded");
  w.Bool(true);
  str_array(w, "changes", r.changes);
  str_array(w, "restart_needed", r.need_restart);
  w.EndObject();
  res.respond(200, json_type, std::string(buf.GetString(), buf.GetSize()));
}

void provider_view_json(const responder& res, const provider_status& s) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  key_str(w, "name", s.view.name);
  key_str(w, "model", s.view.model);
  key_str(w, "state", to_string(s.view.state));
  key_str(w, "reason", s.view.reason);
  key_str(w, "circuit", s.circuit);
  w.Key("in_flight");
  w.Int(s.view.in_flight);
  w.Key("requests_today");
  w.Int64(s.requests_today);
  w.EndObject();
  res.respond(200, json_type, std::string(buf.GetString(), buf.GetSize()));
}

void reload(const api_context& ctx, const responder& res) {
  auto reloader = ctx.reloader;
  ctx.system->spawn([=](caf::event_based_actor* self) {
    self->request(reloader, reload_timeout, reload_atom::value, std::string("POST /reload"))
      .then([=](const reload_report& r) { reload_view(res, r); },
            [=](const caf::error& err) {
              res.respond(503, json_type,
                          error_json("unavailable",
                                     "the reloader did not answer: " + self->system().render(err)));
            });
  });
}

void reset(const api_context& ctx, const responder& res, const std::string& name) {
  auto scheduler = ctx.scheduler;
  ctx.system->spawn([=](caf::event_based_actor* self) {
    self->request(scheduler, reset_timeout, reset_atom::value, name)
      .then([=](const provider_status& s) { provider_view_json(res, s); },
            [=](const caf::error& err) {
              auto code = ec_of(err);
              if (code == ec::unknown_provider)
                res.respond(404, json_type, error_json("not_found", message_of(err)));
              else
                res.respond(503, json_type,
                            error_json("unavailable", code == ec::none
                                                        ? "no answer: " + self->system().render(err)
                                                        : message_of(err)));
            });
  });
}

// One backup at a time: a second one would only halve the speed of both.
std::atomic<bool> backup_running{false};

void backup(const api_context& ctx, const server_request& req, const responder& res) {
  rapidjson::Document doc;
  doc.Parse(req.body.c_str(), req.body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("path") || !doc["path"].IsString()
      || doc["path"].GetStringLength() == 0) {
    res.respond(400, json_type,
                error_json("bad_request", "path: expected the backup directory (a string)"));
    return;
  }
  std::string path = doc["path"].GetString();
  if (backup_running.exchange(true)) {
    res.respond(409, json_type, error_json("busy", "a backup is already running"));
    return;
  }
  const store::store* db = ctx.db;
  // The copy reads the whole archive: on its own thread, never on the io thread.
  ctx.system->spawn<caf::detached>([db, path, res](caf::blocking_actor*) {
    auto r = store::backup(*db, path);
    backup_running = false;
    if (!r.ok()) {
      log::warn("backup", r.error);
      res.respond(r.target_refused ? 400 : 500, json_type,
                  error_json(r.target_refused ? "bad_request" : "backup_failed", r.error));
      return;
    }
    log::info("backup", "wrote " + r.path + ": " + std::to_string(r.bytes) + " bytes, "
                          + std::to_string(r.examples) + " examples in "
                          + std::to_string(r.duration_ms) + " ms");
    rapidjson::StringBuffer buf;
    json_writer w(buf);
    w.StartObject();
    key_str(w, "path", r.path);
    w.Key("bytes");
    w.Uint64(r.bytes);
    w.Key("examples");
    w.Uint64(r.examples);
    w.Key("duration_ms");
    w.Int64(r.duration_ms);
    w.EndObject();
    res.respond(200, json_type, std::string(buf.GetString(), buf.GetSize()));
  });
}

bool only_post(const server_request& req, const responder& res) {
  if (req.method == "POST")
    return true;
  res.respond(405, json_type,
              error_json("method_not_allowed",
                         req.method + " is not allowed on " + req.path + " (allowed: POST)"),
              {{"allow", "POST"}});
  return false;
}

} // namespace

bool route_ops(const api_context& ctx, server_request& req, responder& res) {
  const std::string& p = req.path;
  static const std::string providers = "/providers/", reset_tail = "/reset";
  if (p == "/reload") {
    if (only_post(req, res))
      reload(ctx, res);
  } else if (p == "/backup") {
    if (only_post(req, res))
      backup(ctx, req, res);
  } else if (p.size() > providers.size() + reset_tail.size() && p.rfind(providers, 0) == 0
             && p.compare(p.size() - reset_tail.size(), reset_tail.size(), reset_tail) == 0) {
    if (only_post(req, res))
      reset(ctx, res, p.substr(providers.size(), p.size() - providers.size() - reset_tail.size()));
  } else {
    return false;
  }
  return true;
}

} // namespace zega::net
