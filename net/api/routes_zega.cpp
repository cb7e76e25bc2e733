#include "net/api/routes_zega.hpp"

#include "store/finetune.hpp"
#include "training/finetune.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>

namespace zega::net {

namespace {

const char* json_type = "application/json";

// Longer than the scheduler's own bound on Ollama's /api/create (10 minutes) plus the export.
constexpr auto finetune_timeout = std::chrono::minutes(12);

// User ids come from clients and name files and models: a bound keeps both sane.
constexpr std::size_t max_user_id = 200;

std::string quoted(const std::string& s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto clean = valid_utf8(s);
  w.String(clean.c_str(), static_cast<rapidjson::SizeType>(clean.size()));
  return buf.GetString();
}

// ZEGA's GET /user/{id}/training-stats: the five training_stats fields, with the user and
// the name its model has (or will have).
std::string training_stats_view(const std::string& user, const training::training_stats& s) {
  auto fields = training::to_json(s); // {"training_examples":...}
  return R"({"user_id":)" + quoted(user) + "," + fields.substr(1, fields.size() - 2)
         + R"(,"custom_model_name":)" + quoted(training::model_name_for(user)) + "}";
}

void trigger_finetuning(const api_context& ctx, const std::string& user, const responder& res) {
  auto scheduler = ctx.scheduler;
  ctx.system->spawn([=](caf::event_based_actor* self) {
    self->request(scheduler, finetune_timeout, finetune_atom::value, user)
      .then(
        // ZEGA answered 200 with "status":"failed" too; its page shows the message either way.
        [=](const training::finetune_outcome& o) { res.respond(200, json_type, training::to_json(o)); },
        [=](const caf::error& err) {
          res.respond(503, json_type,
                      error_json("unavailable",
                                 "fine-tuning did not answer: " + self->system().render(err)));
        });
  });
}

} // namespace

bool route_zega(const api_context& ctx, server_request& req, responder& res) {
  static const std::string prefix = "/user/";
  static const std::string stats_tail = "/training-stats";
  static const std::string trigger_tail = "/trigger-finetuning";
  const std::string& p = req.path;
  if (p.rfind(prefix, 0) != 0)
    return false;
  auto ends_with = [&](const std::string& tail) {
    return p.size() > prefix.size() + tail.size()
           && p.compare(p.size() - tail.size(), tail.size(), tail) == 0;
  };
  const bool stats = ends_with(stats_tail);
  if (!stats && !ends_with(trigger_tail))
    return false;
  const auto& tail = stats ? stats_tail : trigger_tail;
  std::string user = p.substr(prefix.size(), p.size() - prefix.size() - tail.size());
  const char* method = stats ? "GET" : "POST";
  if (req.method != method && !(stats && req.method == "HEAD")) {
    res.respond(405, json_type,
                error_json("method_not_allowed",
                           req.method + " is not allowed on " + p + " (allowed: " + method + ")"),
                {{"allow", method}});
    return true;
  }
  if (user.size() > max_user_id) {
    res.respond(400, json_type,
                error_json("bad_request", "user id: at most " + std::to_string(max_user_id)
                                            + " characters"));
    return true;
  }
  if (stats) {
    const store::store* db = ctx.db;
    auto settings = store::finetune_settings_from(*config_in_force(ctx));
    run_off_io(ctx, res, [db, settings, user, res] {
      res.respond(200, json_type,
                  training_stats_view(user, store::user_training_stats(*db, user, settings)));
    });
    return true;
  }
  if (ctx.shutting_down && ctx.shutting_down->load()) {
    res.respond(503, json_type, error_json("shutting_down", "zegad is shutting down"));
    return true;
  }
  trigger_finetuning(ctx, user, res);
  return true;
}

} // namespace zega::net
