#include "tools/fake_llm/service.hpp"

#include "tools/fake_llm/ollama_create.hpp"
#include "tools/fake_llm/prose.hpp"
#include "training/judge.hpp"

#include <algorithm>
#include <memory>
#include <sstream>

namespace zega::fake {

namespace {

using steady = std::chrono::steady_clock;

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

// Keeps the first `max_words` words (the request's output cap, in estimated tokens).
std::string cut_words(const std::string& text, int max_words) {
  int words = 0;
  bool in_word = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool space = text[i] == ' ' || text[i] == '\n';
    if (!space && !in_word && ++words > max_words)
      return text.substr(0, i > 0 ? i - 1 : 0);
    in_word = !space;
  }
  return text;
}

} // namespace

delay_queue::delay_queue() : thread_([this] { run(); }) {}

delay_queue::~delay_queue() { stop(); }

void delay_queue::at(time_point when, std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_)
      return;
    items_.push({when, seq_++, std::move(fn)});
  }
  cv_.notify_one();
}

void delay_queue::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable())
    thread_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  items_ = {};
}

void delay_queue::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (items_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto when = items_.top().when;
    if (steady::now() < when) {
      cv_.wait_until(lock, when);
      continue;
    }
    auto fn = std::move(const_cast<item&>(items_.top()).fn);
    items_.pop();
    lock.unlock();
    fn();
    lock.lock();
  }
}

struct service::call_context {
  std::optional<provider_kind> provider; // nullopt: admin or unknown route
  bool generation = false;
  std::string method;
  std::string path;
  time_point start;
};

service::service(emulator& emu, std::uint64_t seed, std::FILE* log)
  : emu_(emu), seed_(seed), log_(log) {}

void service::stop() { timers_.stop(); }

void service::finish(const call_context& ctx, int status, const std::string& outcome) {
  if (ctx.provider)
    emu_.count(*ctx.provider, ctx.generation, status, outcome);
  if (!log_)
    return;
  auto ms = std::chrono::duration<double, std::milli>(steady::now() - ctx.start).count();
  auto at = std::chrono::duration<double, std::milli>(ctx.start - started_).count();
  char latency[32];
  std::snprintf(latency, sizeof latency, "%.1f", ms);
  char start[32];
  std::snprintf(start, sizeof start, "%.1f", at);
  std::string line = std::string("{\"provider\":\"") + (ctx.provider ? to_string(*ctx.provider) : "-")
                     + "\",\"method\":\"" + json_escape(ctx.method) + "\",\"path\":\""
                     + json_escape(ctx.path) + "\",\"status\":" + std::to_string(status)
                     + ",\"outcome\":\"" + json_escape(outcome) + "\",\"start_ms\":" + start
                     + ",\"latency_ms\":" + latency + "}\n";
  std::lock_guard<std::mutex> lock(log_mutex_);
  std::fputs(line.c_str(), log_);
  std::fflush(log_);
}

void service::answer(const call_context& ctx, const net::responder& res, const reply& r,
                     const std::string& outcome) {
  // Counted first, so a client that reads /_fake/stats after its answer sees it.
  finish(ctx, r.status, outcome);
  res.respond(r.status, r.content_type, r.body, r.headers);
}

void service::handle(net::server_request req, net::responder res) {
  call_context ctx;
  ctx.method = req.method;
  ctx.path = req.path;
  ctx.start = steady::now();
  const std::string& path = req.path;
  const bool get = req.method == "GET" || req.method == "HEAD";
  const bool post = req.method == "POST";

  if (path.rfind("/_fake/", 0) == 0)
    return admin(req, res);
  if (path == "/" && get) {
    ctx.provider = provider_kind::ollama;
    return answer(ctx, res, {200, "text/plain; charset=utf-8", "Ollama is running", {}}, "probe");
  }
  if (path == "/api/chat" && post)
    return generation(provider_kind::ollama, endpoint::ollama_chat, {}, req, res);
  if (path == "/api/generate" && post)
    return generation(provider_kind::ollama, endpoint::ollama_generate, {}, req, res);
  if (path == "/api/create" && post)
    return create(req, res);
  if ((path == "/api/tags" || path == "/api/version") && get)
    return probe(provider_kind::ollama, req, res);
  if (path == "/openai/v1/chat/completions" && post)
    return generation(provider_kind::groq, endpoint::openai_chat, {}, req, res);
  if (path == "/openai/v1/models" && get)
    return probe(provider_kind::groq, req, res);
  if (path == "/v1/chat/completions" && post)
    return generation(provider_kind::huggingface, endpoint::openai_chat, {}, req, res);
  if (path == "/v1/models" && get)
    return probe(provider_kind::huggingface, req, res);
  if (path == "/v1beta/models" && get)
    return probe(provider_kind::gemini, req, res);
  const std::string gemini_prefix = "/v1beta/models/";
  if (path.rfind(gemini_prefix, 0) == 0 && post) {
    auto colon = path.rfind(':');
    if (colon != std::string::npos && colon > gemini_prefix.size()) {
      auto model = path.substr(gemini_prefix.size(), colon - gemini_prefix.size());
      auto method = path.substr(colon + 1);
      if (method == "generateContent")
        return generation(provider_kind::gemini, endpoint::gemini_generate, model, req, res);
      if (method == "streamGenerateContent")
        return generation(provider_kind::gemini, endpoint::gemini_stream, model, req, res);
    }
  }
  answer(ctx, res, {404, "application/json", "{\"error\":\"not found\"}", {}}, "not_found");
}

reply service::decorate(provider_kind p, reply r) {
  // Groq sends its rate-limit state on every response.
  if (p == provider_kind::groq)
    for (auto& h : groq_headers(emu_.snapshot(p, steady::now())))
      r.headers.push_back(std::move(h));
  return r;
}

void service::probe(provider_kind p, const net::server_request& req, const net::responder& res) {
  call_context ctx{p, false, req.method, req.path, steady::now()};
  auto settings = emu_.settings(p);
  if (req.path == "/api/version")
    return answer(ctx, res, {200, "application/json", "{\"version\":\"0.13.0\"}", {}}, "probe");
  if (p != provider_kind::ollama) {
    // Listing models needs a valid key like any other call.
    auto key = request_key(p, req);
    bool invalid = key && std::find(settings.invalid_keys.begin(), settings.invalid_keys.end(),
                                    *key) != settings.invalid_keys.end();
    if (!key || key->empty() || invalid) {
      const char* what = invalid ? "invalid_key" : "missing_key";
      return answer(ctx, res, decorate(p, error_reply(p, what, {}, {}, false)), what);
    }
  }
  if (p == provider_kind::ollama)
    for (const auto& m : emu_.created_models())
      settings.models.push_back(m.name);
  answer(ctx, res, decorate(p, {200, "application/json", models_body(p, settings), {}}), "probe");
}

void service::create(const net::server_request& req, const net::responder& res) {
  call_context ctx{provider_kind::ollama, false, req.method, req.path, steady::now()};
  std::string error;
  auto model = parse_create_request(req.body, error);
  if (model) {
    const auto known = emu_.settings(provider_kind::ollama).models;
    const auto created = emu_.created_models();
    // As Ollama: a name without a tag means ":latest" ("llama3.2" is "llama3.2:latest").
    auto tagged = [](std::string m) {
      return m.find(':') == std::string::npos ? m + ":latest" : m;
    };
    const auto from = tagged(model->from);
    const bool base_known =
      known.empty()
      || std::any_of(known.begin(), known.end(), [&](const std::string& k) { return tagged(k) == from; })
      || std::any_of(created.begin(), created.end(),
                     [&](const created_model& c) { return tagged(c.name) == from; });
    if (!base_known) {
      // Ollama's answer when the base model is not pulled.
      return answer(ctx, res,
                    {404, "application/json",
                     "{\"error\":\"model '" + json_escape(model->from) + "' not found\"}", {}},
                    "create_failed");
    }
  }
  if (!model)
    return answer(ctx, res, {400, "application/json", "{\"error\":\"" + json_escape(error) + "\"}", {}},
                  "bad_request");
  const bool stream = create_streams(req.body);
  emu_.create_model(std::move(*model));
  answer(ctx, res, {200, stream ? "application/x-ndjson" : "application/json",
                    create_status_body(stream), {}},
         "created");
}

void service::generation(provider_kind p, endpoint e, const std::string& path_model,
                         const net::server_request& req, const net::responder& res) {
  auto ctx = std::make_shared<call_context>(call_context{p, true, req.method, req.path, steady::now()});
  const auto now = ctx->start;
  // Scaled windows free slots within fractions of a second: whole seconds would overstate.
  const bool fractional = emu_.time_scale() != 1.0;
  auto call = parse_generation(p, e, req, path_model);
  auto with_groq = [this, p](reply r) { return decorate(p, std::move(r)); };
  if (!call.error.empty())
    return answer(*ctx, res, with_groq(error_reply(p, "bad_request", call.model, {}, fractional)),
                  "bad_request");

  // The text is written before admission so the tokens window is charged what is served;
  // handlers run one at a time on the io thread, so the index cannot move in between.
  completion c;
  c.model = call.model;
  c.index = emu_.text_index();
  if (training::is_judge_prompt(call.prompt)) {
    c.text = judge_reply(call.prompt, seed_, c.index);
  } else {
    auto written = write_reply(infer_spec(call.prompt), seed_, c.index, emu_.prose_flaws());
    c.text = std::move(written.text);
    c.truncated = written.truncated;
  }
  if (call.max_tokens > 0 && estimate_tokens(c.text) > call.max_tokens) {
    c.text = cut_words(c.text, std::max(1, static_cast<int>(call.max_tokens / 1.3)));
    c.truncated = true;
  }
  c.prompt_tokens = estimate_tokens(call.prompt);
  c.completion_tokens = estimate_tokens(c.text);
  int latency = emu_.latency_ms(p);
  c.duration_ns = std::max(latency, 1) * std::int64_t{1000000};

  auto a = emu_.admit({p, call.model, call.key, c.prompt_tokens + c.completion_tokens}, now);
  if (a.v != verdict::serve && a.v != verdict::fault)
    return answer(*ctx, res, with_groq(error_reply(p, to_string(a.v), call.model, a, fractional)),
                  to_string(a.v));
  if (a.v == verdict::fault) {
    const std::string outcome = "fault:" + a.fault;
    auto body = success_body(p, e == endpoint::gemini_stream ? endpoint::gemini_generate : e, c);
    if (a.fault == "hang") {
      finish(*ctx, 0, outcome); // the responder is dropped: the client waits until it gives up
      return;
    }
    if (a.fault == "reset") {
      res.abort();
      return finish(*ctx, 0, outcome);
    }
    if (a.fault == "malformed_json")
      return answer(*ctx, res, with_groq({200, "application/json", body.substr(1), {}}), outcome);
    if (a.fault == "truncated_json") {
      res.raw_and_close("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                        + std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, body.size() / 2));
      return finish(*ctx, 200, outcome);
    }
    if (a.fault == "slow_body") {
      auto pieces = std::make_shared<std::vector<std::string>>();
      for (std::size_t i = 0; i < body.size(); i += 16)
        pieces->push_back(body.substr(i, 16));
      auto step = duration(std::chrono::milliseconds(emu_.settings(p).slow_body_ms))
                  / static_cast<int>(pieces->size() + 1);
      res.start_stream(200, "application/json", with_groq({}).headers);
      for (std::size_t i = 0; i < pieces->size(); ++i)
        timers_.at(now + step * static_cast<int>(i + 1), [res, pieces, i] {
          if (res.alive())
            res.write((*pieces)[i]);
        });
      timers_.at(now + step * static_cast<int>(pieces->size() + 1), [this, res, ctx, outcome] {
        finish(*ctx, 200, outcome);
        res.finish();
      });
      return;
    }
    return answer(*ctx, res, with_groq(error_reply(p, a.fault, call.model, a, fractional)), outcome);
  }

  auto headers = with_groq({}).headers;
  if (!call.stream) {
    auto body = success_body(p, e, c);
    timers_.at(now + std::chrono::milliseconds(latency),
               [this, res, ctx, p, body = std::move(body), headers] {
                 emu_.release(p);
                 finish(*ctx, 200, res.alive() ? "served" : "client_gone");
                 res.respond(200, "application/json", body, headers);
               });
    return;
  }
  // Streams: the first piece after a quarter of the latency, the rest spread over the remainder.
  auto pieces = std::make_shared<std::vector<std::string>>(stream_pieces(p, e, c, call.include_usage));
  auto first = std::chrono::milliseconds(latency / 4);
  auto gap = pieces->size() > 1 ? duration(std::chrono::milliseconds(latency - latency / 4))
                                     / static_cast<int>(pieces->size() - 1)
                               : duration(0);
  const char* type = stream_content_type(e);
  timers_.at(now + first, [res, type, headers] { res.start_stream(200, type, headers); });
  auto stopped = std::make_shared<bool>(false); // only touched on the timer thread
  for (std::size_t i = 0; i < pieces->size(); ++i) {
    bool last = i + 1 == pieces->size();
    timers_.at(now + first + gap * static_cast<int>(i), [this, res, ctx, p, pieces, i, last, stopped] {
      if (*stopped)
        return;
      if (!res.alive()) {
        *stopped = true;
        emu_.release(p);
        return finish(*ctx, 200, "client_gone");
      }
      if (last) {
        emu_.release(p);
        finish(*ctx, 200, "served");
      }
      res.write((*pieces)[i]);
      if (last)
        res.finish();
    });
  }
}

void service::admin(const net::server_request& req, const net::responder& res) {
  call_context ctx{std::nullopt, false, req.method, req.path, steady::now()};
  if (req.path == "/_fake/stats" && req.method == "GET")
    return answer(ctx, res, {200, "application/json", emu_.stats_json(), {}}, "admin");
  if (req.path == "/_fake/reset" && req.method == "POST") {
    emu_.reset();
    return answer(ctx, res, {200, "application/json", "{\"ok\":true}", {}}, "admin");
  }
  if (req.path == "/_fake/models" && req.method == "GET")
    return answer(ctx, res, {200, "application/json", created_models_json(emu_.created_models()), {}},
                  "admin");
  if (req.path == "/_fake/config" && req.method == "GET")
    return answer(ctx, res, {200, "application/json", emu_.config_json(), {}}, "admin");
  if (req.path == "/_fake/config" && req.method == "POST") {
    auto err = emu_.apply_config(req.body);
    if (!err.empty())
      return answer(ctx, res, {400, "application/json", "{\"error\":\"" + json_escape(err) + "\"}", {}},
                    "admin");
    return answer(ctx, res, {200, "application/json", "{\"ok\":true}", {}}, "admin");
  }
  answer(ctx, res, {404, "application/json", "{\"error\":\"not found\"}", {}}, "not_found");
}

} // namespace zega::fake
