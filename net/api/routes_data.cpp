// The dataset routes (see routes_data.hpp). Reads go to the store off the io thread; every
// change (review status, rescore) goes through the archiver, the only writer.

#include "net/api/routes_data.hpp"

#include "actors/errors.hpp"
#include "config/log.hpp"
#include "store/codec.hpp"
#include "store/export.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>

namespace zega::net {

namespace {

const char* json_type = "application/json";

// A curation write is one small transaction, but it may wait behind a group commit.
constexpr auto review_timeout = std::chrono::seconds(30);
// A rescore walks the whole archive in chunks; a large one takes minutes.
constexpr auto rescore_timeout = std::chrono::seconds(2 * 3600);

void error_reply(const responder& res, int status, const std::string& code,
                 const std::string& message) {
  res.respond(status, json_type, error_json(code, message));
}

bool method_is(const server_request& req, responder& res, const char* allowed) {
  if (req.method == allowed)
    return true;
  res.respond(405, json_type,
              error_json("method_not_allowed", req.method + " is not allowed on " + req.path
                                                 + " (allowed: " + allowed + ")"),
              {{"allow", allowed}});
  return false;
}

// The query without one parameter (export reads min_quality itself: it also takes "all").
std::string without_param(const std::string& query, const std::string& name) {
  std::string out;
  std::size_t at = 0;
  while (at <= query.size()) {
    auto end = query.find('&', at);
    if (end == std::string::npos)
      end = query.size();
    auto part = query.substr(at, end - at);
    auto key = part.substr(0, part.find('='));
    if (!part.empty() && key != name)
      out += (out.empty() ? "" : "&") + part;
    at = end + 1;
  }
  return out;
}

// provider= and status= narrow both /examples and /export.
bool curation_filter_from(const std::string& query, store::example_filter& f, std::string& error) {
  std::string v;
  if (query_param(query, "provider", v) && !v.empty())
    f.provider = v;
  if (query_param(query, "status", v) && !v.empty()) {
    auto s = store::parse_review_status(v);
    if (!s) {
      error = "status: expected none, accepted or rejected, got \"" + v + "\"";
      return false;
    }
    f.review = *s;
  }
  return true;
}

void get_examples(const api_context& ctx, const server_request& req, const responder& res) {
  store::example_filter f;
  std::string error;
  std::size_t limit = 50;
  if (!example_filter_from(req.query, f, error) || !curation_filter_from(req.query, f, error)
      || !limit_from(req.query, limit, error)) {
    error_reply(res, 400, "bad_request", error);
    return;
  }
  std::string cursor;
  query_param(req.query, "cursor", cursor);
  auto page = ctx.db->list_examples(f, cursor, limit);
  if (!page.error.empty()) {
    error_reply(res, 400, "bad_request", "cursor: " + page.error);
    return;
  }
  std::string body = "{\"examples\":[";
  for (std::size_t i = 0; i < page.items.size(); ++i)
    body += (i ? "," : "") + example_view_json(page.items[i]);
  body += "],\"count\":" + std::to_string(page.items.size()) + ",\"next_cursor\":"
          + (page.next_cursor.empty() ? "null" : "\"" + page.next_cursor + "\"") + "}";
  res.respond(200, json_type, body);
}

void get_export(const api_context& ctx, const server_request& req, const responder& res) {
  store::export_options opts;
  const auto cfg = config_in_force(ctx);
  opts.memory_threshold = cfg->quality.memory_threshold;
  opts.library_threshold = cfg->quality.library_threshold;
  std::string error;
  if (!example_filter_from(without_param(req.query, "min_quality"), opts.filter, error)
      || !curation_filter_from(req.query, opts.filter, error)) {
    error_reply(res, 400, "bad_request", error);
    return;
  }
  store::export_query q;
  std::string v;
  if (query_param(req.query, "format", v))
    q.format = v;
  if (query_param(req.query, "min_quality", v))
    q.min_quality = v;
  if (query_param(req.query, "split", v))
    q.split = v;
  if (query_param(req.query, "validation_fraction", v))
    q.validation_fraction = v;
  if (auto problem = store::apply_export_query(q, opts); !problem.empty()) {
    error_reply(res, 400, "bad_request", problem);
    return;
  }
  const store::store* db = ctx.db;
  run_off_io(ctx, res, [db, opts, res] {
    res.start_stream(200, "application/x-ndjson",
                     {{"content-disposition", "attachment; filename=\"zega-dataset.jsonl\""}});
    std::string chunk;
    auto flush = [&] {
      res.write(std::move(chunk));
      chunk.clear();
      return res.wait_writable();
    };
    auto result = store::export_jsonl(*db, opts, [&](std::string_view line) {
      chunk.append(line.data(), line.size());
      return chunk.size() < 64 * 1024 || flush();
    });
    if (!result.error.empty()) {
      // Ending the chunked body normally would pass a partial file off as complete; a
      // reset makes the client (zegactl export) fail instead.
      log::warn("api", "export cut short: " + result.error);
      res.abort();
      return;
    }
    if (!result.stopped && !chunk.empty())
      flush();
    res.finish();
  });
}

void patch_example(const api_context& ctx, const server_request& req, const responder& res,
                   std::uint64_t id) {
  std::string error;
  auto status = review_from_body(req.body, error);
  if (status.empty()) {
    error_reply(res, 400, "bad_request", error);
    return;
  }
  store::write_batch batch;
  batch.reviews.push_back({id, *store::parse_review_status(status)});
  auto archiver = ctx.archiver;
  const store::store* db = ctx.db;
  ctx.system->spawn([=](caf::event_based_actor* self) {
    self->request(archiver, review_timeout, archive_atom::value, batch)
      .then(
        [=](const store::commit_result& r) {
          if (r.status == store::commit_status::storage_full)
            error_reply(res, 507, "storage_full", r.message);
          else if (r.status != store::commit_status::ok)
            error_reply(res, 500, "storage", r.message);
          else if (!r.missing_reviews.empty())
            error_reply(res, 404, "not_found", "no example " + std::to_string(id));
          else if (auto ex = db->get_example(id))
            res.respond(200, json_type, example_view_json(*ex));
          else
            error_reply(res, 404, "not_found", "no example " + std::to_string(id));
        },
        [=](const caf::error& e) {
          error_reply(res, 503, "unavailable",
                      "archiver did not answer: " + self->system().render(e));
        });
  });
}

// POST /rescore, body {} or {"force":true} (re-score examples the current rubric already
// scored too).
void post_rescore(const api_context& ctx, const server_request& req, const responder& res) {
  bool force = false;
  if (!req.body.empty()) {
    rapidjson::Document d;
    d.Parse(req.body.c_str(), req.body.size());
    if (d.HasParseError() || !d.IsObject()) {
      error_reply(res, 400, "bad_request", "body: expected a JSON object");
      return;
    }
    if (d.HasMember("force")) {
      if (!d["force"].IsBool()) {
        error_reply(res, 400, "bad_request", "force: expected true or false");
        return;
      }
      force = d["force"].GetBool();
    }
  }
  auto archiver = ctx.archiver;
  const auto cfg = config_in_force(ctx);
  auto mem = cfg->quality.memory_threshold;
  auto lib = cfg->quality.library_threshold;
  auto language = cfg->quality.language;
  ctx.system->spawn([=](caf::event_based_actor* self) {
    self->request(archiver, rescore_timeout, rescore_atom::value, mem, lib, language, force)
      .then(
        [=](const store::rescore_counts& counts) {
          res.respond(200, json_type, store::to_json(counts));
        },
        [=](const caf::error& e) {
          if (ec_of(e) == ec::storage_error)
            error_reply(res, 500, "storage", message_of(e));
          else
            error_reply(res, 503, "unavailable",
                        "archiver did not answer: " + self->system().render(e));
        });
  });
}

std::optional<std::uint64_t> id_of(const std::string& text) {
  if (text.empty() || text.size() > 19)
    return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9')
      return std::nullopt;
  return std::stoull(text);
}

} // namespace

std::string example_view_json(const store::example_record& ex) {
  rapidjson::Document d;
  auto stored = store::encode(ex);
  d.Parse(stored.c_str(), stored.size());
  auto& a = d.GetAllocator();
  rapidjson::Value status;
  if (ex.review != store::review_status::none)
    status.SetString(store::to_string(ex.review), a);
  d.AddMember("status", status, a);
  rapidjson::Document breakdown(&a);
  breakdown.Parse(ex.quality_json.c_str(), ex.quality_json.size());
  rapidjson::Value parts;
  if (!breakdown.HasParseError() && breakdown.IsObject())
    parts.CopyFrom(breakdown, a);
  d.AddMember("quality_breakdown", parts, a);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  d.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string review_from_body(const std::string& body, std::string& error) {
  rapidjson::Document d;
  d.Parse(body.c_str(), body.size());
  if (d.HasParseError() || !d.IsObject()) {
    error = "body: expected a JSON object like {\"status\":\"accepted\"}";
    return {};
  }
  if (!d.HasMember("status") || !d["status"].IsString()) {
    error = "status: expected \"accepted\" or \"rejected\"";
    return {};
  }
  std::string s = d["status"].GetString();
  // "none" takes a verdict back.
  if (s != "accepted" && s != "rejected" && s != "none") {
    error = "status: expected \"accepted\", \"rejected\" or \"none\", got \"" + s + "\"";
    return {};
  }
  return s;
}

bool route_data(const api_context& ctx, server_request& req, responder& res) {
  const std::string& p = req.path;
  if (p == "/examples") {
    if (method_is(req, res, "GET"))
      run_off_io(ctx, res, [ctx, req, res] { get_examples(ctx, req, res); });
  } else if (p.rfind("/examples/", 0) == 0) {
    auto id = id_of(p.substr(10));
    if (!id) {
      error_reply(res, 404, "not_found", "no example " + p.substr(10));
      return true;
    }
    if (req.method == "GET") {
      if (auto ex = ctx.db->get_example(*id))
        res.respond(200, json_type, example_view_json(*ex));
      else
        error_reply(res, 404, "not_found", "no example " + std::to_string(*id));
    } else if (req.method == "PATCH") {
      patch_example(ctx, req, res, *id);
    } else {
      res.respond(405, json_type,
                  error_json("method_not_allowed",
                             req.method + " is not allowed on " + p + " (allowed: GET, PATCH)"),
                  {{"allow", "GET, PATCH"}});
    }
  } else if (p == "/export") {
    if (method_is(req, res, "GET"))
      get_export(ctx, req, res);
  } else if (p == "/rescore") {
    if (method_is(req, res, "POST"))
      post_rescore(ctx, req, res);
  } else {
    return false;
  }
  return true;
}

} // namespace zega::net
