#include "actors/reloader.hpp"

#include "actors/service_notify.hpp"
#include "config/diff.hpp"
#include "config/log.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <filesystem>
#include <set>

namespace zega {

namespace {

// The scheduler switches in one message; this only bounds a stuck one.
constexpr auto switch_timeout = std::chrono::seconds(10);

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines)
    out += (out.empty() ? "" : "; ") + l;
  return out;
}

} // namespace

load_result load_running_config(load_options opts, bool config_optional, bool* defaults) {
  std::error_code absent;
  // Only a file that does not exist means defaults; an unreadable one stays an error.
  const bool missing = config_optional && opts.config_file
                       && !std::filesystem::exists(*opts.config_file, absent) && !absent;
  if (missing)
    opts.config_file.reset();
  if (defaults)
    *defaults = missing;
  return load_config(opts);
}

// Retires the planners of changed or removed schedules; once one has written its state, its
// successor (when the schedule is still configured) starts from the archive. The set keeps
// the configuration's order.
void replace_planners(reloader_actor::stateful_pointer<reloader_state> self,
                      const std::set<std::string>& changed, const config& next) {
  auto& st = self->state;
  if (!st.deps.planners || changed.empty())
    return;
  auto running = st.deps.planners->entries();
  auto rebuild = [planners = st.deps.planners, next](const std::string& name, planner_actor h) {
    auto now = planners->entries();
    std::vector<planner_set::entry> out;
    for (const auto& sc : next.schedules) {
      if (sc.name == name) {
        if (h)
          out.emplace_back(name, h);
        continue;
      }
      for (const auto& e : now)
        if (e.first == sc.name)
          out.push_back(e);
    }
    planners->replace(std::move(out));
  };
  auto start = [self, next, rebuild](const std::string& name) {
    for (const auto& sc : next.schedules)
      if (sc.name == name) {
        rebuild(name, self->state.deps.spawn_planner(sc, next));
        log::info("reloader", "schedule " + name + ": planner started");
        return;
      }
    rebuild(name, planner_actor{});
    log::info("reloader", "schedule " + name + ": removed");
  };
  for (const auto& name : changed) {
    planner_actor old;
    for (const auto& e : running)
      if (e.first == name)
        old = e.second;
    if (!old) {
      start(name);
      continue;
    }
    self->request(old, switch_timeout, retire_atom::value)
      .then([=](bool saved) {
              if (!saved)
                log::warn("reloader", "schedule " + name
                                        + ": the old planner's last state was not saved");
              start(name);
            },
            [=](caf::error& err) {
              log::warn("reloader", "schedule " + name + ": the old planner did not retire ("
                                      + self->system().render(err) + "); starting anyway");
              self->send_exit(old, caf::exit_reason::user_shutdown);
              start(name);
            });
  }
}

reloader_actor::behavior_type reloader(reloader_actor::stateful_pointer<reloader_state> self,
                                       reloader_deps deps) {
  self->state.deps = std::move(deps);
  return {
    [=](reload_atom, const std::string& trigger) -> caf::result<reload_report> {
      auto& st = self->state;
      const std::string who = "reload (" + trigger + ")";
      reload_report report;
      if (st.busy) {
        report.errors.emplace_back("", "another reload is being applied; try again");
        return report;
      }
      notify_reloading();
      auto loaded = load_running_config(st.deps.load, st.deps.config_optional);
      if (!loaded.cfg) {
        std::vector<std::string> lines;
        for (const auto& e : loaded.errors) {
          report.errors.emplace_back(e.path, e.problem);
          lines.push_back(e.to_string());
        }
        log::warn("reloader", who + " rejected, the running configuration stays: "
                                + joined(lines));
        notify_ready("running; the last reload was rejected");
        return report;
      }
      const auto changes = diff_configs(st.deps.current, *loaded.cfg);
      auto next = applicable_config(st.deps.current, *loaded.cfg);
      report.applied = true;
      report.changes = changes.applied;
      report.need_restart = changes.need_restart;

      // Kept actors for unchanged providers, new ones for added or changed providers.
      provider_entries entries;
      std::vector<provider_actor> retired, kept, spawned;
      std::set<std::string> now_named;
      for (const auto& pc : next.providers) {
        now_named.insert(pc.name);
        provider_actor handle;
        if (changes.providers_changed.count(pc.name) == 0)
          for (const auto& [old_pc, old_handle] : st.deps.providers)
            if (old_pc.name == pc.name)
              handle = old_handle;
        if (handle) {
          kept.push_back(handle);
        } else {
          handle = st.deps.spawn_provider(pc, next);
          spawned.push_back(handle);
        }
        entries.emplace_back(pc, handle);
      }
      for (const auto& [old_pc, old_handle] : st.deps.providers)
        if (now_named.count(old_pc.name) == 0 || changes.providers_changed.count(old_pc.name) != 0)
          retired.push_back(old_handle);

      st.busy = true;
      auto rp = self->make_response_promise<reload_report>();
      self->request(st.deps.scheduler, switch_timeout, reload_atom::value, next, entries)
        .then(
          [=](bool) mutable {
            auto& st = self->state;
            st.busy = false;
            for (auto& h : retired)
              self->send(h, retire_atom::value);
            for (auto& h : kept)
              self->send(h, reload_atom::value);
            for (auto& l : st.deps.listeners)
              self->send(l, reload_atom::value, next);
            replace_planners(self, changes.schedules_changed, next);
            if (auto level = log::parse_level(next.logging.level))
              log::set_level(*level);
            log::add_secret(next.server.token);
            for (const auto& p : next.providers)
              log::add_secret(p.api_key);
            st.deps.current = next;
            st.deps.providers = entries;
            if (st.deps.on_applied)
              st.deps.on_applied(next);
            if (changes.empty())
              log::info("reloader", who + ": no changes");
            else
              log::info("reloader", who + " applied: "
                                      + (changes.applied.empty() ? "nothing live"
                                                                 : joined(changes.applied))
                                      + (changes.need_restart.empty()
                                           ? ""
                                           : "; needs a restart: " + joined(changes.need_restart)));
            notify_ready("running; configuration reloaded");
            rp.deliver(report);
          },
          [=](caf::error& err) mutable {
            auto& st = self->state;
            st.busy = false;
            for (auto& h : spawned)
              self->send_exit(h, caf::exit_reason::user_shutdown);
            log::error("reloader", who + " not applied: the scheduler did not switch ("
                                     + self->system().render(err) + ")");
            notify_ready("running; the last reload failed");
            reload_report failed;
            failed.errors.emplace_back("", "the scheduler did not switch: "
                                             + self->system().render(err));
            rp.deliver(failed);
          });
      // Answered once the scheduler routes over the new set.
      return rp;
    },
  };
}

} // namespace zega
