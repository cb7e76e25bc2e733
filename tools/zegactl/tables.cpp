#include "tools/zegactl/tables.hpp"

#include <cmath>
#include <ctime>
#include <iomanip>
#include <sstream>

namespace zega::ctl {

namespace {

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

} // namespace

std::string rounded(double v) {
  if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15)
    return std::to_string(static_cast<long long>(std::llround(v)));
  std::ostringstream out;
  out << std::fixed << std::setprecision(std::fabs(v) < 1 ? 2 : 1) << v;
  return out.str();
}

namespace {

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

} // namespace

// Any answer as indented "key: value" lines (for commands without a table of their own).
void print_tree(const json& v, int indent) {
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

namespace {

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

} // namespace

int show_tree(client_env& env, const net::http_response& resp) {
  return show(env, resp, [](const json& doc) {
    print_tree(doc);
    return static_cast<int>(ok);
  });
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

} // namespace zega::ctl
