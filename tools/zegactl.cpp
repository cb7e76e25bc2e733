// zegactl: command-line client of zegad's HTTP API (and the local quality rubric).
// Exit codes: 0 ok, 1 the daemon answered with an error or some work failed, 2 usage error,
// 3 daemon unreachable, 4 the daemon is paused and --no-wait was given.

#include "config/config.hpp"
#include "net/http/client.hpp"
#include "net/http/io_runtime.hpp"
#include "store/export.hpp"
#include "store/finetune.hpp"
#include "store/store.hpp"
#include "training/element.hpp"
#include "training/genres.hpp"
#include "training/quality.hpp"

#include <CLI/CLI.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace net = zega::net;
using json = rapidjson::Value;

enum exit_code : int { ok = 0, failed = 1, usage = 2, unreachable = 3, paused = 4 };

// Thrown to leave from deep inside a command with an exit code (unreachable daemon).
struct exit_now {
  int code;
};

struct client_env {
  net::io_runtime io;
  std::unique_ptr<net::http_client> http;
  std::string url;
  std::string token;
  bool json_out = false;
};

// --- HTTP -----------------------------------------------------------------------------

std::string url_encode(const std::string& s) {
  std::ostringstream out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out << c;
    else
      out << '%' << std::uppercase << std::hex << std::setw(2) << std::setfill('0')
          << static_cast<int>(c) << std::nouppercase << std::dec;
  }
  return out.str();
}

net::client_limits long_limits() {
  net::client_limits limits;
  limits.first_byte_ms = 24 * 3600 * 1000;
  limits.total_ms = 24 * 3600 * 1000;
  limits.max_body_bytes = std::size_t{1} << 32;
  return limits;
}

net::http_response call(client_env& env, const std::string& method, const std::string& path,
                        const std::string& body = {}, net::chunk_callback on_chunk = {}) {
  net::http_request req;
  req.method = method;
  req.url = env.url + path;
  if (!body.empty()) {
    req.body = body;
    req.headers.emplace_back("content-type", "application/json");
  }
  if (!env.token.empty())
    req.headers.emplace_back("authorization", "Bearer " + env.token);
  auto result = net::blocking_request(*env.http, req, long_limits(), std::move(on_chunk));
  if (auto* err = std::get_if<net::transport_error>(&result)) {
    std::cerr << "zegactl: cannot reach zegad at " << env.url << ": " << err->message << "\n";
    throw exit_now{unreachable};
  }
  return std::get<net::http_response>(result);
}

// --- JSON helpers ---------------------------------------------------------------------

std::optional<rapidjson::Document> parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError())
    return std::nullopt;
  return doc;
}

std::string str(const json& obj, const char* key) {
  if (obj.IsObject() && obj.HasMember(key) && obj[key].IsString())
    return obj[key].GetString();
  return {};
}

double num(const json& obj, const char* key) {
  if (obj.IsObject() && obj.HasMember(key) && obj[key].IsNumber())
    return obj[key].GetDouble();
  return 0;
}

bool flag(const json& obj, const char* key) {
  return obj.IsObject() && obj.HasMember(key) && obj[key].IsBool() && obj[key].GetBool();
}

std::string json_string(const std::string& s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return {buf.GetString(), buf.GetSize()};
}

// --- human rendering ------------------------------------------------------------------

std::string local_time(std::time_t secs) {
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

// "2026-12-01T14:32:05.123Z" -> local "2026-12-01 15:32"; anything else unchanged.
std::string local_from_iso(const std::string& iso) {
  std::tm tm{};
  const char* rest = strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr)
    return iso;
  return local_time(timegm(&tm));
}

bool ends_with(const std::string& s, const char* tail) {
  const std::string t = tail;
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

// Epoch milliseconds (2001 to 2286) under a time-like key are times, not durations.
bool is_epoch_ms(const std::string& key, double v) {
  return v > 1e12 && v < 1e13
         && (ends_with(key, "_ms") || ends_with(key, "since") || ends_with(key, "until"));
}

std::string rounded(double v) {
  if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15)
    return std::to_string(static_cast<long long>(std::llround(v)));
  std::ostringstream out;
  out << std::fixed << std::setprecision(std::fabs(v) < 1 ? 2 : 1) << v;
  return out.str();
}

// One cell of a table or a "key: value" line: local times, rounded numbers, nested JSON
// shown as text only when it is short.
std::string cell(const std::string& key, const json& v) {
  if (v.IsNull())
    return "-";
  if (v.IsBool())
    return v.GetBool() ? "yes" : "no";
  if (v.IsNumber()) {
    const double d = v.GetDouble();
    if (is_epoch_ms(key, d))
      return local_time(static_cast<std::time_t>(d / 1000));
    if (key == "success_rate")
      return rounded(100 * d) + "%";
    return rounded(d);
  }
  if (v.IsString()) {
    std::string s = v.GetString();
    if (s.size() >= 20 && s[4] == '-' && s[10] == 'T')
      return local_from_iso(s);
    auto nl = s.find('\n');
    if (nl != std::string::npos)
      s = s.substr(0, nl) + " ...";
    return s;
  }
  if (v.IsArray()) {
    std::string out;
    for (const auto& x : v.GetArray())
      out += (out.empty() ? "" : ", ") + cell(key, x);
    return out;
  }
  std::string out;
  for (const auto& m : v.GetObject())
    out += (out.empty() ? "" : ", ") + std::string(m.name.GetString()) + " "
           + cell(m.name.GetString(), m.value);
  return out;
}

// Keys whose values are JSON text or long bodies: never shown as strings inside tables.
bool hidden_key(const std::string& key) {
  return key == "quality_json" || key == "system" || key == "prompt" || key == "candidates"
         || key == "fingerprint";
}

// Any answer as indented "key: value" lines (for commands without a table of their own).
void print_tree(const json& v, int indent = 0) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      const std::string key = m.name.GetString();
      if (hidden_key(key))
        continue;
      const bool nested = (m.value.IsObject() && m.value.MemberCount() > 0)
                          || (m.value.IsArray() && !m.value.Empty() && m.value[0].IsObject());
      if (nested) {
        std::cout << pad << key << ":\n";
        print_tree(m.value, indent + 2);
      } else {
        std::cout << pad << key << ": " << cell(key, m.value) << "\n";
      }
    }
  } else if (v.IsArray()) {
    int i = 0;
    for (const auto& x : v.GetArray()) {
      std::cout << pad << "- " << ++i << "\n";
      print_tree(x, indent + 2);
    }
  } else {
    std::cout << pad << cell("", v) << "\n";
  }
}

struct column {
  const char* key;
  const char* header;
  std::size_t max_width = 40;
};

void print_table(const std::vector<std::vector<std::string>>& rows,
                 const std::vector<column>& cols) {
  std::vector<std::size_t> width(cols.size());
  for (std::size_t c = 0; c < cols.size(); ++c)
    width[c] = std::string(cols[c].header).size();
  for (const auto& r : rows)
    for (std::size_t c = 0; c < cols.size(); ++c)
      width[c] = std::max(width[c], std::min(r[c].size(), cols[c].max_width));
  auto line = [&](const std::vector<std::string>& r) {
    for (std::size_t c = 0; c < cols.size(); ++c) {
      std::string v = r[c];
      if (v.size() > cols[c].max_width)
        v = v.substr(0, cols[c].max_width - 3) + "...";
      std::cout << std::left << std::setw(static_cast<int>(width[c])) << v
                << (c + 1 < cols.size() ? "  " : "");
    }
    std::cout << std::right << "\n";
  };
  std::vector<std::string> head;
  for (const auto& c : cols)
    head.push_back(c.header);
  line(head);
  for (const auto& r : rows)
    line(r);
}

// A table of the objects in `array`, one column per key (dotted keys reach one level down).
void print_objects(const json& array, const std::vector<column>& cols) {
  std::vector<std::vector<std::string>> rows;
  if (array.IsArray())
    for (const auto& obj : array.GetArray()) {
      std::vector<std::string> r;
      for (const auto& c : cols) {
        std::string key = c.key;
        const json* v = &obj;
        for (auto dot = key.find('.'); dot != std::string::npos; dot = key.find('.')) {
          const std::string outer = key.substr(0, dot);
          v = v->IsObject() && v->HasMember(outer.c_str()) ? &(*v)[outer.c_str()] : nullptr;
          key = key.substr(dot + 1);
          if (!v)
            break;
        }
        r.push_back(v && v->IsObject() && v->HasMember(key.c_str())
                      ? cell(key, (*v)[key.c_str()])
                      : "-");
      }
      rows.push_back(std::move(r));
    }
  print_table(rows, cols);
}

// {"groq": {...}, "ollama": {...}} as a table whose first column is the name.
void print_named(const char* title, const json& obj, const std::vector<column>& cols) {
  if (!obj.IsObject() || obj.MemberCount() == 0)
    return;
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : obj.GetObject()) {
    std::vector<std::string> r{m.name.GetString()};
    for (std::size_t c = 1; c < cols.size(); ++c)
      r.push_back(m.value.IsObject() && m.value.HasMember(cols[c].key)
                    ? cell(cols[c].key, m.value[cols[c].key])
                    : "-");
    rows.push_back(std::move(r));
  }
  std::cout << "\n";
  auto named = cols;
  named[0].header = title;
  print_table(rows, named);
}

void print_cursor(const json& doc) {
  if (!str(doc, "next_cursor").empty())
    std::cout << "more: --cursor " << str(doc, "next_cursor") << "\n";
}

// --- command plumbing -----------------------------------------------------------------

// Prints an error answer; returns the exit code for the response (0 for 2xx).
int check_error(const net::http_response& resp) {
  if (resp.status < 400)
    return ok;
  auto doc = parse(resp.body);
  if (doc && doc->IsObject() && doc->HasMember("error") && (*doc)["error"].IsObject()
      && !str((*doc)["error"], "message").empty())
    std::cerr << "zegactl: " << resp.status << ": " << str((*doc)["error"], "message") << "\n";
  else
    std::cerr << "zegactl: " << resp.status << ": " << resp.body << "\n";
  return failed;
}

// The common shape of a command: call, then --json prints the body as it came, otherwise
// `human` renders the parsed document.
template <class Human>
int show(client_env& env, const net::http_response& resp, Human human) {
  if (int rc = check_error(resp))
    return rc;
  if (env.json_out) {
    std::cout << resp.body << "\n";
    return ok;
  }
  auto doc = parse(resp.body);
  if (!doc) {
    std::cout << resp.body << "\n";
    return ok;
  }
  return human(*doc);
}

int show_tree(client_env& env, const net::http_response& resp) {
  return show(env, resp, [](const json& doc) {
    print_tree(doc);
    return static_cast<int>(ok);
  });
}

std::string query_of(const std::vector<std::pair<const char*, std::string>>& params) {
  std::string q;
  for (const auto& [key, value] : params)
    if (!value.empty())
      q += (q.empty() ? "?" : "&") + std::string(key) + "=" + url_encode(value);
  return q;
}

// --- status and train -----------------------------------------------------------------

int print_status(const json& st) {
  std::cout << "zegad: " << str(st, "state");
  if (!str(st, "reason").empty())
    std::cout << " (" << str(st, "reason") << ")";
  std::cout << ", pacing " << str(st, "pacing") << ", queue " << rounded(num(st, "queue_depth"))
            << ", in flight " << rounded(num(st, "in_flight")) << "\n";
  if (st.HasMember("dataset") && st["dataset"].IsObject()) {
    const auto& d = st["dataset"];
    std::cout << "dataset: " << rounded(num(d, "examples")) << " examples (fine-tuning threshold "
              << rounded(num(d, "fine_tune_threshold")) << ")\n";
  }
  std::cout << "\n";
  std::vector<std::vector<std::string>> rows;
  if (st.HasMember("providers") && st["providers"].IsArray())
    for (const auto& p : st["providers"].GetArray()) {
      std::string why = str(p, "broken_message");
      if (why.empty())
        why = str(p, "cooldown_reason");
      if (why.empty())
        why = str(p, "reason");
      rows.push_back({str(p, "name"), str(p, "model"), str(p, "state"),
                      rounded(num(p, "requests_today")), why});
    }
  print_table(rows, {{"name", "provider"}, {"model", "model"}, {"state", "state"},
                     {"today", "today"}, {"reason", "reason", 80}});
  return ok;
}

// Why the daemon is not dispatching, or nullopt when it is.
std::optional<std::string> paused_reason(client_env& env) {
  auto resp = call(env, "GET", "/status");
  auto doc = parse(resp.body);
  if (resp.status >= 400 || !doc || !flag(*doc, "paused"))
    return std::nullopt;
  std::string why = str(*doc, "reason");
  return why.empty() ? std::string("paused") : why;
}

// Says at once that the daemon is paused; then either gives up (exit 4) or waits, keeping
// a line on stderr that shows how long it has waited.
int wait_while_paused(client_env& env, bool no_wait) {
  auto why = paused_reason(env);
  if (!why)
    return ok;
  std::cerr << "zegactl: zegad is paused (" << *why << "); `zegactl resume` starts it again\n";
  if (no_wait)
    return paused;
  const auto start = std::chrono::steady_clock::now();
  while (why) {
    const auto waited = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
    std::cerr << "\rwaiting for resume... " << waited << " s " << std::flush;
    // An operator-facing poll, not test timing: /status is cheap and 2 s is responsive.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    why = paused_reason(env);
  }
  std::cerr << "\rresumed; submitting                \n";
  return ok;
}

std::string duration_text(double secs) {
  const long s = static_cast<long>(secs + 0.5);
  std::ostringstream out;
  if (s >= 3600)
    out << s / 3600 << "h" << std::setw(2) << std::setfill('0') << s % 3600 / 60 << "m";
  else if (s >= 60)
    out << s / 60 << "m" << std::setw(2) << std::setfill('0') << s % 60 << "s";
  else
    out << s << "s";
  return out.str();
}

void draw_progress(const json& ev, std::chrono::steady_clock::time_point start) {
  const double elapsed =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double current = num(ev, "current");
  const double total = num(ev, "total");
  const double pct = total > 0 ? 100.0 * current / total : num(ev, "percentage");
  const int width = 30;
  const int filled = std::min(width, static_cast<int>(pct / 100.0 * width + 0.5));
  std::string eta = "--";
  if (current > 0 && total >= current)
    eta = duration_text(elapsed / current * (total - current));
  std::cerr << "\r[" << std::string(static_cast<std::size_t>(filled), '#')
            << std::string(static_cast<std::size_t>(width - filled), '.') << "] " << std::setw(3)
            << static_cast<int>(pct) << "%  " << rounded(current) << "/" << rounded(total)
            << "  ok " << rounded(num(ev, "successful")) << "  failed "
            << rounded(num(ev, "failed")) << "  elapsed " << duration_text(elapsed) << "  eta "
            << eta << "    " << std::flush;
}

std::string first_line(const std::string& text) {
  auto start = text.find_first_not_of(" \n\r\t");
  if (start == std::string::npos)
    return {};
  auto end = text.find('\n', start);
  std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
  return line.size() > 100 ? line.substr(0, 97) + "..." : line;
}

// Prints a batch result; returns 1 when any example failed.
int report_batch(const client_env& env, const json& r, const std::string& raw) {
  const long failures = static_cast<long>(num(r, "failed"));
  const long requested = static_cast<long>(num(r, "total_requested"));
  if (env.json_out) {
    std::cout << raw << "\n";
  } else {
    std::vector<std::vector<std::string>> rows;
    if (r.HasMember("examples") && r["examples"].IsArray()) {
      int i = 0;
      for (const auto& ex : r["examples"].GetArray()) {
        const bool good = flag(ex, "success");
        rows.push_back({std::to_string(++i), str(ex, "element"), str(ex, "genre"),
                        good ? str(ex, "provider") : "-",
                        good ? rounded(num(ex, "quality_score")) : "-",
                        good ? first_line(str(ex, "output")) : "FAILED: " + str(ex, "error")});
      }
    }
    print_table(rows, {{"", "#"}, {"", "element"}, {"", "genre"}, {"", "provider"},
                       {"", "quality"}, {"", "text", 80}});
    std::cout << "\nrequested " << requested << ", successful "
              << rounded(num(r, "successful")) << ", failed " << failures << ", average quality "
              << rounded(num(r, "average_quality")) << ", stories saved "
              << rounded(num(r, "stories_saved")) << ", time "
              << duration_text(num(r, "total_time")) << "\n";
    if (flag(r, "ready_for_finetuning"))
      std::cout << "the dataset is large enough for fine-tuning: zegactl export -o dataset.jsonl\n";
    if (!str(r, "job_id").empty())
      std::cout << "job " << str(r, "job_id") << "\n";
  }
  if (failures > 0) {
    std::cerr << "zegactl: " << failures << " of " << requested << " examples failed\n";
    return failed;
  }
  return ok;
}

struct train_args {
  int n = 0;
  int votes = 0;
  bool follow = false;
  bool no_wait = false;
  std::string user;
  std::vector<std::string> genres, elements;
};

std::string train_body(const train_args& a) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("num_examples");
  w.Int(a.n);
  if (!a.user.empty()) {
    w.Key("user_id");
    w.String(a.user.c_str());
  }
  if (a.votes > 0) {
    w.Key("min_votes");
    w.Int(a.votes);
  }
  for (const auto* list : {&a.genres, &a.elements}) {
    if (list->empty())
      continue;
    w.Key(list == &a.genres ? "genres" : "elements");
    w.StartArray();
    for (const auto& s : *list)
      w.String(s.c_str());
    w.EndArray();
  }
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

// Reads an SSE stream, calling `on_event` with each data payload.
class sse_reader {
public:
  template <class F>
  void feed(const std::string& piece, F&& on_event) {
    buffer_ += piece;
    for (auto end = buffer_.find("\n\n"); end != std::string::npos; end = buffer_.find("\n\n")) {
      std::string event = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      std::string data;
      std::istringstream lines(event);
      for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r')
          line.pop_back();
        if (line.rfind("data:", 0) == 0) {
          std::string payload = line.substr(5);
          if (!payload.empty() && payload.front() == ' ')
            payload.erase(0, 1);
          data += data.empty() ? payload : "\n" + payload;
        }
      }
      if (!data.empty())
        on_event(data);
    }
  }

private:
  std::string buffer_;
};

int cmd_train(client_env& env, const train_args& a) {
  if (int rc = wait_while_paused(env, a.no_wait))
    return rc;
  const auto body = train_body(a);
  if (!a.follow) {
    auto resp = call(env, "POST", "/auto-train", body);
    if (int rc = check_error(resp))
      return rc;
    auto doc = parse(resp.body);
    if (!doc || !doc->IsObject()) {
      std::cerr << "zegactl: unexpected answer: " << resp.body << "\n";
      return failed;
    }
    return report_batch(env, *doc, resp.body);
  }
  sse_reader reader;
  int rc = failed;
  std::string head;
  const auto start = std::chrono::steady_clock::now();
  auto resp = call(env, "POST", "/auto-train-stream", body, [&](const std::string& piece) {
    if (head.size() < 64 * 1024)
      head += piece;
    // The daemon ends the stream after "complete" or "error": hanging up first would make
    // the transfer fail as if the daemon were unreachable.
    reader.feed(piece, [&](const std::string& data) {
      auto ev = parse(data);
      if (!ev || !ev->IsObject())
        return;
      const auto type = str(*ev, "type");
      if (type == "complete" && ev->HasMember("result")) {
        if (!env.json_out)
          std::cerr << "\n";
        rapidjson::StringBuffer buf;
        rapidjson::Writer<rapidjson::StringBuffer> w(buf);
        (*ev)["result"].Accept(w);
        rc = report_batch(env, (*ev)["result"], std::string(buf.GetString(), buf.GetSize()));
      } else if (type == "error") {
        std::cerr << "\nzegactl: " << str(*ev, "message") << "\n";
      } else if (type == "progress" && !env.json_out) {
        draw_progress(*ev, start);
      }
    });
    return true;
  });
  if (resp.status >= 400) {
    resp.body = head; // the error answer came through the stream callback
    return check_error(resp);
  }
  return rc;
}

// --- the other commands ---------------------------------------------------------------

int cmd_probe(client_env& env, const std::string& name) {
  auto resp = call(env, "POST", "/providers/" + url_encode(name) + "/probe", "{}");
  if (int rc = check_error(resp))
    return rc;
  auto doc = parse(resp.body);
  if (!doc || !doc->IsObject() || !doc->HasMember("ok") || !(*doc)["ok"].IsBool()) {
    std::cerr << "zegactl: unexpected answer: " << resp.body << "\n";
    return failed;
  }
  if (env.json_out)
    std::cout << resp.body << "\n";
  else
    print_tree(*doc);
  // The daemon answers 200 whatever the upstream call did; a failed call fails the command.
  if (flag(*doc, "ok"))
    return ok;
  std::cerr << "zegactl: probe " << name << " failed (" << str(*doc, "class");
  if (num(*doc, "http_status") > 0)
    std::cerr << ", HTTP " << static_cast<int>(num(*doc, "http_status"));
  std::cerr << "): " << str(*doc, "message") << "\n";
  return failed;
}

struct export_args {
  std::string file, format, user, genre, element, provider, min_quality, split, fraction;
  std::string dir, config_file, data_dir; // --dir: local export beside the daemon's data
};

// The optional query strings of an export, as both the daemon and the local export read them.
zega::store::export_query export_query_of(const export_args& a) {
  auto given = [](const std::string& v) {
    return v.empty() ? std::nullopt : std::optional<std::string>(v);
  };
  return {given(a.format), given(a.min_quality), given(a.split), given(a.fraction)};
}

// `export --dir`: reads the archive directly (LMDB lets this process read beside the daemon's
// writer) and writes train.jsonl, validation.jsonl and the dataset card README.md.
int cmd_export_dir(client_env& env, const export_args& a) {
  zega::load_options lo;
  if (!a.config_file.empty())
    lo.config_file = a.config_file;
  if (!a.data_dir.empty())
    lo.data_dir = a.data_dir;
  auto loaded = zega::load_config(lo);
  if (!loaded.cfg) {
    for (const auto& e : loaded.errors)
      std::cerr << "zegactl: config: " << e.to_string() << "\n";
    return usage;
  }
  auto opts = zega::store::export_options_from(*loaded.cfg);
  if (!a.user.empty())
    opts.filter.user = a.user;
  if (!a.genre.empty()) {
    const auto* g = zega::training::find_genre(a.genre);
    if (!g) {
      std::cerr << "zegactl: export: unknown genre \"" << a.genre << "\"\n";
      return usage;
    }
    opts.filter.genre = g->name;
  }
  if (!a.element.empty())
    opts.filter.element = a.element;
  if (!a.provider.empty())
    opts.filter.provider = a.provider;
  if (auto error = zega::store::apply_export_query(export_query_of(a), opts); !error.empty()) {
    std::cerr << "zegactl: export: " << error << "\n";
    return usage;
  }
  const auto& data_dir = loaded.cfg->storage.data_dir;
  if (!std::ifstream(data_dir + "/data.mdb")) {
    std::cerr << "zegactl: no archive in " << data_dir << " (give --data-dir or --config)\n";
    return failed;
  }
  std::string error;
  zega::store::store_options so{data_dir, loaded.cfg->storage.map_size_mb,
                                loaded.cfg->storage.max_map_size_mb};
  auto db = zega::store::store::open(so, error);
  if (!db) {
    std::cerr << "zegactl: " << error << "\n";
    return failed;
  }
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  auto res = zega::store::export_to_directory(*db, opts, a.dir, now_ms);
  if (!res.error.empty()) {
    std::cerr << "zegactl: export: " << res.error << "\n";
    return failed;
  }
  if (env.json_out)
    std::cout << R"({"dir":)" << json_string(a.dir) << R"(,"train":)" << res.stats.train
              << R"(,"validation":)" << res.stats.validation << R"(,"rejected":)"
              << res.stats.rejected << R"(,"card":)" << json_string(res.card_path) << "}\n";
  else
    std::cout << "wrote " << res.stats.train << " training and " << res.stats.validation
              << " validation examples and a dataset card to " << a.dir << " ("
              << res.stats.rejected << " rejected left out)\n";
  return ok;
}

int cmd_export(client_env& env, const export_args& a) {
  if (a.file.empty() == a.dir.empty()) {
    std::cerr << "zegactl: export: give either -o FILE (from the daemon) or --dir DIR (local)\n";
    return usage;
  }
  if (!a.dir.empty())
    return cmd_export_dir(env, a);
  // A split without a fraction would download nothing useful: refused before the call.
  // (The daemon checks the rest and answers 400.)
  auto split_only = export_query_of(a);
  split_only.format.reset();
  split_only.min_quality.reset();
  zega::store::export_options check;
  if (auto error = zega::store::apply_export_query(split_only, check); !error.empty()) {
    std::cerr << "zegactl: export: " << error << "\n";
    return usage;
  }
  const auto query = query_of({{"format", a.format},
                               {"user_id", a.user},
                               {"genre", a.genre},
                               {"element", a.element},
                               {"provider", a.provider},
                               {"min_quality", a.min_quality},
                               {"split", a.split},
                               {"validation_fraction", a.fraction}});
  const std::string tmp = a.file + ".part";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) {
    std::cerr << "zegactl: cannot write " << tmp << "\n";
    return failed;
  }
  std::size_t lines = 0;
  auto resp = call(env, "GET", "/export" + query, {}, [&](const std::string& piece) {
    out << piece;
    for (char c : piece)
      lines += c == '\n';
    return static_cast<bool>(out);
  });
  out.close();
  if (resp.status >= 400) {
    std::ifstream in(tmp, std::ios::binary); // the error body was streamed into the file
    resp.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::remove(tmp.c_str());
    return check_error(resp);
  }
  if (std::rename(tmp.c_str(), a.file.c_str()) != 0) {
    std::cerr << "zegactl: cannot rename " << tmp << " to " << a.file << "\n";
    return failed;
  }
  if (env.json_out)
    std::cout << R"({"file":)" << json_string(a.file) << R"(,"examples":)" << lines << "}\n";
  else
    std::cout << "wrote " << lines << " examples to " << a.file << "\n";
  return ok;
}

int print_jobs(const json& doc) {
  print_objects(doc.HasMember("jobs") ? doc["jobs"] : doc,
                {{"job_id", "job"}, {"user_id", "user"}, {"state", "state"},
                 {"total_requested", "requested"}, {"successful", "ok"}, {"failed", "failed"},
                 {"queued", "queued"}, {"in_flight", "in flight"}, {"started_ms", "started"}});
  return ok;
}

int print_history(const json& doc) {
  print_objects(doc.HasMember("history") ? doc["history"] : doc,
                {{"session_id", "job"}, {"user_id", "user"}, {"state", "state"},
                 {"total_requested", "requested"}, {"successful", "ok"}, {"failed", "failed"},
                 {"average_quality", "quality"}, {"best_model", "best model", 30},
                 {"started_at", "started"}, {"total_time", "seconds"}});
  print_cursor(doc);
  return ok;
}

int print_stats(const json& doc) {
  std::cout << "jobs " << rounded(num(doc, "total_sessions")) << ", examples "
            << rounded(num(doc, "total_examples_generated")) << ", stories saved "
            << rounded(num(doc, "total_stories_saved")) << ", average quality "
            << rounded(num(doc, "average_quality")) << ", attempts "
            << rounded(num(doc, "total_attempts")) << ", success rate "
            << rounded(100 * num(doc, "success_rate")) << "%, training time "
            << duration_text(num(doc, "total_training_time")) << "\n";
  const std::vector<column> cols{{"", ""},
                                 {"examples", "examples"},
                                 {"average_quality", "quality"},
                                 {"attempts", "attempts"},
                                 {"success_rate", "success rate"}};
  for (const char* key : {"by_provider", "by_genre", "by_element", "by_day"})
    if (doc.HasMember(key))
      print_named(key + 3, doc[key], cols);
  return ok;
}

int print_examples(const json& doc) {
  print_objects(doc.HasMember("examples") ? doc["examples"] : doc,
                {{"id", "id"}, {"user", "user"}, {"element", "element"}, {"genre", "genre"},
                 {"provider", "provider"}, {"quality", "quality"}, {"created_ms", "created"},
                 {"output", "text", 60}});
  print_cursor(doc);
  return ok;
}

int print_schedule(const json& doc) {
  print_objects(doc.HasMember("schedules") ? doc["schedules"] : doc,
                {{"name", "name"}, {"user_id", "user"}, {"phase.description", "phase", 24},
                 {"day_index", "day"}, {"today.date", "date"}, {"today.target", "target"},
                 {"today.done", "done"}, {"today.failed", "failed"},
                 {"today.window_start", "window opens"}, {"today.window_end", "window closes"},
                 {"next_task_at", "next task"}, {"total_done", "total"},
                 {"missed_days", "missed days"}});
  return ok;
}

int cmd_score(const std::string& element_name, bool truncated, const std::string& file) {
  auto e = zega::training::element_from_string(element_name);
  if (!e) {
    std::cerr << "zegactl: score: unknown element \"" << element_name << "\"\n";
    return usage;
  }
  std::string text;
  if (file.empty() || file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << "zegactl: cannot read " << file << "\n";
      return failed;
    }
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // The rubric's own report is the output, in every mode: it is what the daemon stores.
  std::cout << zega::training::score(*e, text, truncated).to_json() << "\n";
  return ok;
}

// A bad --url is a usage error: caught before anything is sent.
bool valid_url(const std::string& url) {
  net::url_parts parts;
  return net::parse_url(url, parts);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"zegactl: control zegad, the creative-writing training example daemon.\n"
               "exit codes: 0 ok, 1 error answer or failed work, 2 usage error, "
               "3 daemon unreachable, 4 paused (train --no-wait)",
               "zegactl"};
  app.set_version_flag("--version", std::string("zegactl ") + ZEGA_VERSION);
  app.require_subcommand(1);
  // Global options also work after the command (`zegactl jobs --json`).
  app.fallthrough();

  client_env env;
  const char* url_env = std::getenv("ZEGA_URL");
  env.url = url_env && *url_env ? url_env : "http://127.0.0.1:8002";
  if (const char* tok = std::getenv("ZEGA_API_TOKEN"))
    env.token = tok;
  app.add_option("--url", env.url, "daemon address ($ZEGA_URL, default http://127.0.0.1:8002)");
  app.add_option("--token", env.token, "bearer token ($ZEGA_API_TOKEN)");
  app.add_flag("--json", env.json_out, "machine-readable output (the daemon's JSON)");

  std::function<int()> run;
  auto simple = [&](const char* name, const char* help, const char* method, std::string path) {
    auto* sub = app.add_subcommand(name, help);
    sub->callback([&run, &env, method, path] {
      run = [&env, method, path] {
        const std::string body = std::string(method) == "POST" ? "{}" : "";
        return show_tree(env, call(env, method, path, body));
      };
    });
  };

  auto* status = app.add_subcommand("status", "daemon, providers, queue and dataset state");
  status->callback([&] {
    run = [&] { return show(env, call(env, "GET", "/status"), print_status); };
  });
  simple("health", "liveness", "GET", "/health");
  simple("genres", "genres, topics and elements", "GET", "/training/genres");
  simple("pause", "stop dispatching new work (persisted)", "POST", "/pause");
  simple("resume", "dispatch again", "POST", "/resume");
  simple("reload", "re-read the config and .env; prints what changed", "POST", "/reload");
  simple("rescore", "score every stored example again with the current rubric", "POST",
         "/rescore");

  train_args ta;
  auto* train = app.add_subcommand("train", "generate N examples and print them");
  train->add_option("-n,--num", ta.n, "how many examples (1 to 1000)")
    ->required()
    ->check(CLI::Range(1, 1000));
  train->add_option("--genre", ta.genres, "restrict to these genres (repeatable)");
  train->add_option("--element", ta.elements, "restrict to these elements (repeatable)");
  train->add_option("--user", ta.user, "the user the examples belong to");
  train->add_option("--min-votes", ta.votes, "judge votes an example needs")
    ->check(CLI::NonNegativeNumber);
  train->add_flag("-f,--follow", ta.follow, "live progress with elapsed time and ETA");
  train->add_flag("--no-wait", ta.no_wait, "exit 4 at once when zegad is paused");
  train->callback([&] { run = [&] { return cmd_train(env, ta); }; });

  auto* jobs = app.add_subcommand("jobs", "list jobs");
  jobs->callback([&] { run = [&] { return show(env, call(env, "GET", "/jobs"), print_jobs); }; });

  std::string id;
  auto* job = app.add_subcommand("job", "one job's summary");
  job->add_option("ID", id, "job id")->required();
  job->callback([&] { run = [&] { return show_tree(env, call(env, "GET", "/jobs/" + url_encode(id))); }; });
  auto* cancel = app.add_subcommand("cancel", "cancel a job (queued tasks dropped, in-flight kept)");
  cancel->add_option("ID", id, "job id")->required();
  cancel->callback([&] {
    run = [&] { return show_tree(env, call(env, "DELETE", "/jobs/" + url_encode(id))); };
  });

  std::string name;
  auto* probe = app.add_subcommand("probe", "one real call on a provider");
  probe->add_option("PROVIDER", name, "provider name")->required();
  probe->callback([&] { run = [&] { return cmd_probe(env, name); }; });
  auto* reset = app.add_subcommand("reset", "clear a provider's broken, unreachable or cooldown state");
  reset->add_option("NAME", name, "provider name")->required();
  reset->callback([&] {
    run = [&] {
      return show_tree(env, call(env, "POST", "/providers/" + url_encode(name) + "/reset", "{}"));
    };
  });
  auto* finetune = app.add_subcommand("finetune", "trigger fine-tuning for a user");
  finetune->add_option("USER", name, "user id")->required();
  finetune->callback([&] {
    run = [&] {
      // ZEGA's answer is 200 either way; a build that failed is a failed command.
      return show(env, call(env, "POST", "/user/" + url_encode(name) + "/trigger-finetuning"),
                  [](const json& doc) {
                    print_tree(doc);
                    bool failed_build = doc.IsObject() && doc.HasMember("status")
                                        && doc["status"].IsString()
                                        && doc["status"].GetString() == std::string("failed");
                    return static_cast<int>(failed_build ? failed : ok);
                  });
    };
  });

  std::string backup_path;
  auto* backup = app.add_subcommand("backup", "hot backup of the archive (path on the daemon's host)");
  backup->add_option("-o,--output", backup_path, "an empty or new directory")->required();
  backup->callback([&] {
    run = [&] {
      return show_tree(env, call(env, "POST", "/backup", R"({"path":)" + json_string(backup_path) + "}"));
    };
  });

  std::string user, cursor, limit, from, to, genre, element, min_quality, review, provider;
  auto* history = app.add_subcommand("history", "past batches");
  auto* stats = app.add_subcommand("stats", "totals by provider, genre, element and day");
  auto* examples = app.add_subcommand("examples", "stored examples; `examples accept|reject ID`");
  for (auto* sub : {history, stats, examples}) {
    sub->add_option("--user", user, "user id");
    sub->add_option("--from", from, "from this time (ISO 8601)");
    sub->add_option("--to", to, "up to this time (ISO 8601)");
  }
  for (auto* sub : {history, examples}) {
    sub->add_option("--limit", limit, "page size")->check(CLI::PositiveNumber);
    sub->add_option("--cursor", cursor, "continue from a previous page");
  }
  examples->add_option("--genre", genre, "genre");
  examples->add_option("--element", element, "element");
  examples->add_option("--min-quality", min_quality, "lowest quality")->check(CLI::Number);
  examples->add_option("--status", review, "review status: none, accepted or rejected")
    ->check(CLI::IsMember({"none", "accepted", "rejected"}));
  examples->add_option("--provider", provider, "provider name");
  auto filters = [&] {
    return query_of({{"user_id", user}, {"limit", limit}, {"cursor", cursor}, {"from", from},
                     {"to", to}, {"genre", genre}, {"element", element},
                     {"min_quality", min_quality}, {"status", review}, {"provider", provider}});
  };
  history->callback([&] {
    run = [&] { return show(env, call(env, "GET", "/history" + filters()), print_history); };
  });
  stats->callback([&] {
    run = [&] { return show(env, call(env, "GET", "/history/stats" + filters()), print_stats); };
  });
  examples->require_subcommand(0, 1);
  for (const char* verdict : {"accept", "reject"}) {
    auto* sub = examples->add_subcommand(verdict, std::string(verdict) + " an example by id");
    sub->add_option("ID", id, "example id")->required()->check(CLI::PositiveNumber);
    const std::string status_value = std::string(verdict) == "accept" ? "accepted" : "rejected";
    sub->callback([&, status_value] {
      run = [&, status_value] {
        return show_tree(env, call(env, "PATCH", "/examples/" + url_encode(id),
                                   R"({"status":")" + status_value + "\"}"));
      };
    });
  }
  examples->callback([&] {
    if (!run)
      run = [&] { return show(env, call(env, "GET", "/examples" + filters()), print_examples); };
  });

  auto* schedule = app.add_subcommand("schedule", "schedules: phase, today's target and progress");
  schedule->callback([&] {
    run = [&] { return show(env, call(env, "GET", "/schedule"), print_schedule); };
  });

  export_args ea;
  auto* exp = app.add_subcommand("export", "the dataset as JSONL for fine-tuning");
  exp->add_option("-o,--output", ea.file, "file to write (JSONL from the daemon)");
  exp->add_option("--dir", ea.dir,
                  "write train.jsonl, validation.jsonl and README.md here, reading the archive "
                  "locally (with --config/--data-dir)");
  exp->add_option("--config", ea.config_file, "with --dir: zegad's config (data dir, thresholds)");
  exp->add_option("--data-dir", ea.data_dir, "with --dir: zegad's data directory");
  exp->add_option("--format", ea.format, "openai (chat messages), completion or zega");
  exp->add_option("--user", ea.user, "user id");
  exp->add_option("--genre", ea.genre, "genre");
  exp->add_option("--element", ea.element, "element");
  exp->add_option("--provider", ea.provider, "provider name");
  exp->add_option("--min-quality", ea.min_quality,
                  "lowest quality, or all (default: the memory threshold)");
  exp->add_option("--split", ea.split, "train or validation (needs --validation-fraction)");
  exp->add_option("--validation-fraction", ea.fraction, "share of premises held out")
    ->check(CLI::Number);
  exp->callback([&] { run = [&] { return cmd_export(env, ea); }; });

  std::string score_element, score_file;
  bool score_truncated = false;
  auto* score = app.add_subcommand("score", "score a text locally with the quality rubric");
  score->add_option("--element", score_element, "scene, dialogue, ...")->required();
  score->add_flag("--truncated", score_truncated, "the provider stopped at its token limit");
  score->add_option("FILE", score_file, "text file, or - for stdin (default)");
  score->callback([&] {
    run = [&] { return cmd_score(score_element, score_truncated, score_file); };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0; everything else is a usage error.
    const int rc = app.exit(e);
    return rc == 0 ? ok : usage;
  }
  while (!env.url.empty() && env.url.back() == '/')
    env.url.pop_back();
  if (!valid_url(env.url + "/")) {
    std::cerr << "zegactl: --url: expected http://HOST[:PORT] or https://HOST[:PORT], got \""
              << env.url << "\"\n";
    return usage;
  }
  env.io.start();
  env.http = std::make_unique<net::http_client>(env.io);
  try {
    return run ? run() : usage;
  } catch (const exit_now& e) {
    return e.code;
  }
}
