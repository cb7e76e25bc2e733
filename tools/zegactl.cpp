// zegactl: command-line client of zegad's HTTP API.

#include "net/http/client.hpp"
#include "net/http/io_runtime.hpp"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr const char* usage = R"(usage: zegactl [--url URL] [--token TOKEN] COMMAND [args]

commands:
  status [--json]             daemon, providers, queue and dataset state
  pause | resume              stop / restart dispatching new work (persisted)
  train -n N [--genre G]... [--element E]... [--user U] [--min-votes K] [--follow]
                              generate N examples and print them (--follow: live progress)
  jobs                        list jobs
  job ID                      one job's summary
  cancel ID                   cancel a job (queued tasks dropped, in-flight kept)
  probe PROVIDER              one real call on a provider: its text or classified error
  history [--user U] [--limit N] [--cursor C]
                              past batches
  stats                       totals: success rate and quality by provider, genre, element, day
  examples [--user U] [--genre G] [--element E] [--min-quality Q] [--limit N] [--cursor C]
  export -o FILE [--format openai|zega] [--user U] [--genre G] [--element E]
                 [--min-quality Q] [--split train|validation] [--validation-fraction F]
                              the dataset as JSONL for fine-tuning
  genres                      genres, topics and elements
  health                      liveness

options:
  --url URL      daemon address (default $ZEGA_URL or http://127.0.0.1:8002)
  --token TOKEN  bearer token (default $ZEGA_API_TOKEN)
  --help         this text

exit codes: 0 ok, 1 the daemon answered with an error (or a probed provider failed),
            2 usage error, 3 daemon unreachable
)";

struct client_env {
  zega::net::io_runtime io;
  std::unique_ptr<zega::net::http_client> http;
  std::string url;
  std::string token;
};

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

zega::net::http_request make_request(const client_env& env, const std::string& method,
                                     const std::string& path, const std::string& body = {}) {
  zega::net::http_request req;
  req.method = method;
  req.url = env.url + path;
  if (!body.empty()) {
    req.body = body;
    req.headers.emplace_back("content-type", "application/json");
  }
  if (!env.token.empty())
    req.headers.emplace_back("authorization", "Bearer " + env.token);
  return req;
}

zega::net::client_limits long_limits() {
  zega::net::client_limits limits;
  limits.first_byte_ms = 24 * 3600 * 1000;
  limits.total_ms = 24 * 3600 * 1000;
  limits.max_body_bytes = std::size_t{1} << 32;
  return limits;
}

// Returns the response, or exits with 3 when the daemon cannot be reached.
zega::net::http_response call(client_env& env, const std::string& method, const std::string& path,
                              const std::string& body = {},
                              zega::net::chunk_callback on_chunk = {}) {
  auto result = zega::net::blocking_request(*env.http, make_request(env, method, path, body),
                                            long_limits(), std::move(on_chunk));
  if (auto* err = std::get_if<zega::net::transport_error>(&result)) {
    std::cerr << "zegactl: cannot reach zegad at " << env.url << ": " << err->message << "\n";
    std::exit(3);
  }
  return std::get<zega::net::http_response>(result);
}

std::string pretty(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  if (doc.HasParseError())
    return body;
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 2);
  doc.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

// Prints the body; returns the exit code for the status.
int print_response(const zega::net::http_response& resp) {
  if (resp.status >= 400) {
    rapidjson::Document doc;
    doc.Parse(resp.body.c_str(), resp.body.size());
    if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("error")
        && doc["error"].IsObject() && doc["error"].HasMember("message")
        && doc["error"]["message"].IsString())
      std::cerr << "zegactl: " << resp.status << ": " << doc["error"]["message"].GetString()
                << "\n";
    else
      std::cerr << "zegactl: " << resp.status << ": " << resp.body << "\n";
    return 1;
  }
  std::cout << pretty(resp.body) << "\n";
  return 0;
}

std::string str(const rapidjson::Value& obj, const char* key) {
  if (obj.IsObject() && obj.HasMember(key) && obj[key].IsString())
    return obj[key].GetString();
  return {};
}

double num(const rapidjson::Value& obj, const char* key) {
  if (obj.IsObject() && obj.HasMember(key) && obj[key].IsNumber())
    return obj[key].GetDouble();
  return 0;
}

std::string first_line(const std::string& text) {
  auto start = text.find_first_not_of(" \n\r\t");
  if (start == std::string::npos)
    return {};
  auto end = text.find('\n', start);
  std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (line.size() > 100)
    line = line.substr(0, 97) + "...";
  return line;
}

// Prints a batch summary in ZEGA's shape as a readable list.
void print_summary(const rapidjson::Value& r) {
  if (r.HasMember("examples") && r["examples"].IsArray()) {
    int i = 0;
    for (const auto& ex : r["examples"].GetArray()) {
      ++i;
      bool ok = ex.HasMember("success") && ex["success"].IsBool() && ex["success"].GetBool();
      if (ok) {
        std::cout << std::setw(3) << i << ". " << std::left << std::setw(10) << str(ex, "element")
                  << std::setw(19) << str(ex, "genre") << std::setw(13) << str(ex, "provider")
                  << std::right << std::fixed << std::setprecision(1) << "q=" << num(ex, "quality_score")
                  << "  " << first_line(str(ex, "output")) << "\n";
      } else {
        std::cout << std::setw(3) << i << ". " << std::left << std::setw(10) << str(ex, "element")
                  << std::setw(19) << str(ex, "genre") << std::right << "FAILED: "
                  << str(ex, "error") << "\n";
      }
    }
  }
  auto count = [&](const char* key) { return static_cast<long>(num(r, key)); };
  std::cout << std::fixed << std::setprecision(2) << "\nrequested " << count("total_requested")
            << ", successful " << count("successful") << ", failed " << count("failed")
            << ", average quality " << num(r, "average_quality") << " (min "
            << num(r, "min_quality") << ", max " << num(r, "max_quality") << ")"
            << ", stories saved " << count("stories_saved") << ", time "
            << num(r, "total_time") << " s\n";
  if (r.HasMember("ready_for_finetuning") && r["ready_for_finetuning"].IsBool()
      && r["ready_for_finetuning"].GetBool())
    std::cout << "the dataset is large enough for fine-tuning: zegactl export -o dataset.jsonl\n";
  if (!str(r, "job_id").empty())
    std::cout << "job " << str(r, "job_id") << "\n";
}

// Reads an SSE stream, calling `on_event` with each data payload.
class sse_reader {
public:
  template <class F>
  bool feed(const std::string& piece, F&& on_event) {
    buffer_ += piece;
    for (;;) {
      auto end = buffer_.find("\n\n");
      if (end == std::string::npos)
        return true;
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
      if (!data.empty() && !on_event(data))
        return false;
    }
  }

private:
  std::string buffer_;
};

void draw_progress(const rapidjson::Value& ev) {
  double pct = num(ev, "percentage");
  int width = 30;
  int filled = static_cast<int>(pct / 100.0 * width + 0.5);
  std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, '.') << "] "
            << std::setw(3) << static_cast<int>(pct) << "%  " << static_cast<long>(num(ev, "current"))
            << "/" << static_cast<long>(num(ev, "total")) << "  ok "
            << static_cast<long>(num(ev, "successful")) << "  failed "
            << static_cast<long>(num(ev, "failed")) << "  last q=" << std::fixed << std::setprecision(1)
            << num(ev, "latest_quality") << "  " << str(ev, "current_genre") << "        "
            << std::flush;
}

// GET /status as a short table; `status --json` prints the raw document.
int print_status(const std::string& body) {
  rapidjson::Document st;
  st.Parse(body.c_str(), body.size());
  if (st.HasParseError() || !st.IsObject()) {
    std::cout << body << "\n";
    return 0;
  }
  std::cout << "zegad: " << str(st, "state");
  if (!str(st, "reason").empty())
    std::cout << " (" << str(st, "reason") << ")";
  std::cout << ", pacing " << str(st, "pacing") << ", queue " << num(st, "queue_depth")
            << ", in flight " << num(st, "in_flight") << "\n";
  if (st.HasMember("dataset") && st["dataset"].IsObject()) {
    const auto& d = st["dataset"];
    std::cout << "dataset: " << num(d, "examples") << " examples (fine-tuning threshold "
              << num(d, "fine_tune_threshold") << ")\n";
  }
  std::cout << "\n" << std::left << std::setw(13) << "provider" << std::setw(34) << "model"
            << std::setw(13) << "state" << std::setw(8) << "today" << "reason\n";
  if (st.HasMember("providers") && st["providers"].IsArray())
    for (const auto& p : st["providers"].GetArray()) {
      std::string why = str(p, "broken_message");
      if (why.empty())
        why = str(p, "cooldown_reason");
      if (why.empty())
        why = str(p, "reason");
      std::cout << std::setw(13) << str(p, "name") << std::setw(34) << str(p, "model")
                << std::setw(13) << str(p, "state") << std::setw(8)
                << static_cast<long>(num(p, "requests_today")) << why << "\n";
    }
  std::cout << std::right;
  return 0;
}

int cmd_train(client_env& env, const std::vector<std::string>& args) {
  int n = 0;
  int votes = 0;
  bool follow = false;
  std::string user;
  std::vector<std::string> genres, elements;
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto need = [&]() -> const std::string& {
      if (i + 1 >= args.size()) {
        std::cerr << "zegactl: " << args[i] << " needs a value\n";
        std::exit(2);
      }
      return args[++i];
    };
    if (args[i] == "-n" || args[i] == "--num") {
      try {
        n = std::stoi(need());
      } catch (const std::exception&) {
        std::cerr << "zegactl: -n expects a number\n";
        return 2;
      }
    } else if (args[i] == "--genre") {
      genres.push_back(need());
    } else if (args[i] == "--element") {
      elements.push_back(need());
    } else if (args[i] == "--user") {
      user = need();
    } else if (args[i] == "--min-votes") {
      votes = std::atoi(need().c_str());
    } else if (args[i] == "--follow" || args[i] == "-f") {
      follow = true;
    } else {
      std::cerr << "zegactl: train: unknown argument " << args[i] << "\n";
      return 2;
    }
  }
  if (n <= 0) {
    std::cerr << "zegactl: train needs -n N (1 to 1000)\n";
    return 2;
  }
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("num_examples");
  w.Int(n);
  if (!user.empty()) {
    w.Key("user_id");
    w.String(user.c_str());
  }
  if (votes > 0) {
    w.Key("min_votes");
    w.Int(votes);
  }
  auto list = [&](const char* key, const std::vector<std::string>& v) {
    if (v.empty())
      return;
    w.Key(key);
    w.StartArray();
    for (const auto& s : v)
      w.String(s.c_str());
    w.EndArray();
  };
  list("genres", genres);
  list("elements", elements);
  w.EndObject();
  std::string body(buf.GetString(), buf.GetSize());

  if (!follow) {
    auto resp = call(env, "POST", "/auto-train", body);
    if (resp.status >= 400)
      return print_response(resp);
    rapidjson::Document doc;
    doc.Parse(resp.body.c_str(), resp.body.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      std::cerr << "zegactl: unexpected answer: " << resp.body << "\n";
      return 1;
    }
    print_summary(doc);
    return 0;
  }
  sse_reader reader;
  int rc = 1;
  std::string head;
  auto resp = call(env, "POST", "/auto-train-stream", body, [&](const std::string& piece) {
    if (head.size() < 64 * 1024)
      head += piece;
    return reader.feed(piece, [&](const std::string& data) {
      rapidjson::Document ev;
      ev.Parse(data.c_str(), data.size());
      if (ev.HasParseError() || !ev.IsObject())
        return true;
      std::string type = str(ev, "type");
      // The daemon ends the stream after "complete" or "error": hanging up first would
      // make the transfer fail as if the daemon were unreachable.
      if (type == "complete" && ev.HasMember("result")) {
        std::cerr << "\n";
        print_summary(ev["result"]);
        rc = 0;
      } else if (type == "error") {
        std::cerr << "\nzegactl: " << data << "\n";
      } else if (type == "progress") {
        draw_progress(ev);
      }
      return true;
    });
  });
  if (resp.status >= 400) {
    // The error answer (a short JSON document) came through the stream callback.
    resp.body = head;
    return print_response(resp);
  }
  return rc;
}

// Collects "--key value" pairs into a query string.
bool query_from(const std::vector<std::string>& args, const std::map<std::string, std::string>& keys,
                std::string& query, std::string* out_file = nullptr) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i + 1 >= args.size()) {
      std::cerr << "zegactl: " << args[i] << " needs a value\n";
      return false;
    }
    if (out_file && (args[i] == "-o" || args[i] == "--output")) {
      *out_file = args[++i];
      continue;
    }
    auto it = keys.find(args[i]);
    if (it == keys.end()) {
      std::cerr << "zegactl: unknown argument " << args[i] << "\n";
      return false;
    }
    query += (query.empty() ? "?" : "&") + it->second + "=" + url_encode(args[++i]);
  }
  return true;
}

// The daemon answers 200 whatever the upstream call did; a failed call must still fail the
// command (scripts test the exit code) and say why in one line an operator can act on.
int cmd_probe(client_env& env, const std::string& name) {
  auto resp = call(env, "POST", "/providers/" + url_encode(name) + "/probe", "{}");
  if (resp.status >= 400)
    return print_response(resp);
  std::cout << pretty(resp.body) << "\n";
  rapidjson::Document doc;
  doc.Parse(resp.body.c_str(), resp.body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("ok") || !doc["ok"].IsBool()) {
    std::cerr << "zegactl: unexpected answer: " << resp.body << "\n";
    return 1;
  }
  if (doc["ok"].GetBool())
    return 0;
  std::cerr << "zegactl: probe " << name << " failed (" << str(doc, "class");
  if (num(doc, "http_status") > 0)
    std::cerr << ", HTTP " << static_cast<int>(num(doc, "http_status"));
  std::cerr << "): " << str(doc, "message") << "\n";
  return 1;
}

int cmd_export(client_env& env, const std::vector<std::string>& args) {
  std::string query, file;
  if (!query_from(args,
                  {{"--format", "format"},
                   {"--user", "user_id"},
                   {"--genre", "genre"},
                   {"--element", "element"},
                   {"--min-quality", "min_quality"},
                   {"--split", "split"},
                   {"--validation-fraction", "validation_fraction"}},
                  query, &file))
    return 2;
  if (file.empty()) {
    std::cerr << "zegactl: export needs -o FILE\n";
    return 2;
  }
  std::string tmp = file + ".part";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) {
    std::cerr << "zegactl: cannot write " << tmp << "\n";
    return 1;
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
    // The error body was streamed into the file like any other body.
    std::ifstream in(tmp, std::ios::binary);
    resp.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::remove(tmp.c_str());
    return print_response(resp);
  }
  if (std::rename(tmp.c_str(), file.c_str()) != 0) {
    std::cerr << "zegactl: cannot rename " << tmp << " to " << file << "\n";
    return 1;
  }
  std::cout << "wrote " << lines << " examples to " << file << "\n";
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  client_env env;
  const char* url = std::getenv("ZEGA_URL");
  env.url = url && *url ? url : "http://127.0.0.1:8002";
  if (const char* tok = std::getenv("ZEGA_API_TOKEN"))
    env.token = tok;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      return 0;
    }
    if ((a == "--url" || a == "--token") && i + 1 < argc) {
      (a == "--url" ? env.url : env.token) = argv[++i];
      continue;
    }
    args.push_back(a);
  }
  while (!env.url.empty() && env.url.back() == '/')
    env.url.pop_back();
  if (args.empty()) {
    std::cerr << usage;
    return 2;
  }
  env.io.start();
  env.http = std::make_unique<zega::net::http_client>(env.io);
  std::string cmd = args.front();
  std::vector<std::string> rest(args.begin() + 1, args.end());
  auto one_arg = [&](const char* what) -> const std::string* {
    if (rest.size() != 1) {
      std::cerr << "zegactl: " << cmd << " needs " << what << "\n";
      return nullptr;
    }
    return &rest.front();
  };
  if (cmd == "status") {
    auto resp = call(env, "GET", "/status");
    if (resp.status >= 400 || (rest.size() == 1 && rest.front() == "--json"))
      return print_response(resp);
    return print_status(resp.body);
  }
  if (cmd == "health")
    return print_response(call(env, "GET", "/health"));
  if (cmd == "genres")
    return print_response(call(env, "GET", "/training/genres"));
  if (cmd == "pause" || cmd == "resume")
    return print_response(call(env, "POST", "/" + cmd, "{}"));
  if (cmd == "train")
    return cmd_train(env, rest);
  if (cmd == "jobs")
    return print_response(call(env, "GET", "/jobs"));
  if (cmd == "job") {
    auto id = one_arg("a job id");
    return id ? print_response(call(env, "GET", "/jobs/" + url_encode(*id))) : 2;
  }
  if (cmd == "cancel") {
    auto id = one_arg("a job id");
    return id ? print_response(call(env, "DELETE", "/jobs/" + url_encode(*id))) : 2;
  }
  if (cmd == "probe") {
    auto name = one_arg("a provider name");
    return name ? cmd_probe(env, *name) : 2;
  }
  if (cmd == "history" || cmd == "examples" || cmd == "stats") {
    std::string query;
    std::map<std::string, std::string> keys{{"--user", "user_id"},
                                            {"--limit", "limit"},
                                            {"--cursor", "cursor"},
                                            {"--from", "from"},
                                            {"--to", "to"}};
    if (cmd == "examples") {
      keys["--genre"] = "genre";
      keys["--element"] = "element";
      keys["--min-quality"] = "min_quality";
    }
    if (!query_from(rest, keys, query))
      return 2;
    std::string path = cmd == "stats" ? "/history/stats" : "/" + cmd;
    return print_response(call(env, "GET", path + query));
  }
  if (cmd == "export")
    return cmd_export(env, rest);
  std::cerr << "zegactl: unknown command " << cmd << " (see --help)\n";
  return 2;
}
