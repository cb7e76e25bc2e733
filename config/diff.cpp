#include "config/diff.hpp"

#include "config/schema.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>

namespace zega {

namespace {

using leaves = std::map<std::string, std::string>;

std::string compact(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

// Arrays of named objects (providers, schedules) are keyed by name, so that reordering or
// inserting one entry reads as what it is rather than as every later entry changing.
bool named_entries(const rapidjson::Value& v) {
  if (!v.IsArray() || v.Empty())
    return false;
  for (const auto& e : v.GetArray())
    if (!e.IsObject() || !e.HasMember("name") || !e["name"].IsString())
      return false;
  return true;
}

void flatten(const rapidjson::Value& v, const std::string& path, leaves& out) {
  if (v.IsObject()) {
    for (const auto& m : v.GetObject())
      flatten(m.value, path.empty() ? m.name.GetString() : path + "." + m.name.GetString(), out);
  } else if (named_entries(v)) {
    for (const auto& e : v.GetArray())
      flatten(e, path + "[" + e["name"].GetString() + "]", out);
  } else {
    out[path] = compact(v);
  }
}

leaves leaves_of(const config& cfg) {
  rapidjson::Document doc;
  leaves out;
  flatten(schema::write(cfg, doc.GetAllocator()), "", out);
  return out;
}

const provider_config* find_provider(const config& cfg, const std::string& name) {
  for (const auto& p : cfg.providers)
    if (p.name == name)
      return &p;
  return nullptr;
}

// Settings read once at start-up: the listener and its guards, the archive and its writer.
bool restart_only(const std::string& path) {
  if (path.rfind("server.", 0) == 0)
    return path != "server.heartbeat_ms";
  if (path.rfind("storage.", 0) == 0)
    return path != "storage.finished_jobs_max_bytes" && path != "storage.on_interrupted";
  return false;
}

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

} // namespace

config_changes diff_configs(const config& before, const config& after) {
  config_changes out;
  const auto a = leaves_of(before);
  const auto b = leaves_of(after);
  std::map<std::string, std::vector<std::string>> per_provider;
  auto note = [&](const std::string& path, const std::string& what) {
    if (path.rfind("schedules[", 0) == 0)
      out.schedules_changed.insert(path.substr(10, path.find(']') - 10));
    if (path.rfind("providers[", 0) == 0) {
      const auto close = path.find(']');
      const auto name = path.substr(10, close - 10);
      if (!find_provider(before, name) || !find_provider(after, name))
        return; // added or removed: one line for the whole provider
      per_provider[name].push_back(path.substr(std::min(path.size(), close + 2)) + " " + what);
      return;
    }
    (restart_only(path) ? out.need_restart : out.applied).push_back(path + " " + what);
  };
  for (const auto& [path, value] : a) {
    auto it = b.find(path);
    if (it == b.end())
      note(path, value + " -> (none)");
    else if (it->second != value)
      note(path, value + " -> " + it->second);
  }
  for (const auto& [path, value] : b)
    if (a.count(path) == 0)
      note(path, "(none) -> " + value);
  // The token is never printed, so its change is noticed here.
  if (before.server.token != after.server.token)
    out.need_restart.push_back("server.token changed");

  for (const auto& p : after.providers)
    if (!find_provider(before, p.name))
      out.providers_added.insert(p.name);
  for (const auto& p : before.providers)
    if (!find_provider(after, p.name))
      out.providers_removed.insert(p.name);
  for (const auto& p : after.providers) {
    const auto* old = find_provider(before, p.name);
    if (!old)
      continue;
    auto& lines = per_provider[p.name];
    if (old->api_key != p.api_key)
      lines.push_back("API key changed");
    if (old->disabled_reason != p.disabled_reason)
      lines.push_back(p.disabled_reason.empty() ? "enabled" : "disabled: " + p.disabled_reason);
    // Rate windows and quota days are scaled at spawn: every provider starts over.
    if (before.routing.time_scale != after.routing.time_scale)
      out.providers_changed.insert(p.name);
  }
  // A schedule's days are scaled at spawn too; its planner starts over from the archive.
  if (before.routing.time_scale != after.routing.time_scale)
    for (const auto& sc : after.schedules)
      out.schedules_changed.insert(sc.name);
  // "schedules" as a whole (empty before or after) names no entry: compare the names.
  for (const auto* c : {&before, &after})
    for (const auto& sc : c->schedules) {
      const auto& other = c == &before ? after : before;
      if (std::none_of(other.schedules.begin(), other.schedules.end(),
                       [&](const schedule_config& o) { return o.name == sc.name; }))
        out.schedules_changed.insert(sc.name);
    }
  if (!out.providers_added.empty())
    out.applied.push_back("providers: added " + join(out.providers_added));
  if (!out.providers_removed.empty())
    out.applied.push_back("providers: removed " + join(out.providers_removed));
  for (const auto& [name, lines] : per_provider) {
    if (lines.empty())
      continue;
    out.providers_changed.insert(name);
    std::string line = name + ":";
    for (std::size_t i = 0; i < lines.size(); ++i)
      line += (i ? "; " : " ") + lines[i];
    out.applied.push_back(line);
  }
  return out;
}

config applicable_config(const config& before, const config& after) {
  config out = after;
  out.server = before.server;
  out.server.heartbeat_ms = after.server.heartbeat_ms;
  out.storage = before.storage;
  out.storage.finished_jobs_max_bytes = after.storage.finished_jobs_max_bytes;
  out.storage.on_interrupted = after.storage.on_interrupted;
  return out;
}

} // namespace zega
