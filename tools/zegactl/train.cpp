// zegactl train (and its wait while the daemon is paused).

#include "tools/zegactl/commands.hpp"
#include "tools/zegactl/tables.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <sstream>
#include <thread>

namespace zega::ctl {

namespace {

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

} // namespace

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

} // namespace zega::ctl
