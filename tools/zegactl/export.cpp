// zegactl export: from the daemon (-o FILE) or locally from the archive (--dir).

#include "tools/zegactl/commands.hpp"

#include "config/config.hpp"
#include "store/export.hpp"
#include "store/finetune.hpp"
#include "store/store.hpp"
#include "training/genres.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>

namespace zega::ctl {

namespace {

// The optional query strings of an export, as both the daemon and the local export read them.
store::export_query export_query_of(const export_args& a) {
  auto given = [](const std::string& v) {
    return v.empty() ? std::nullopt : std::optional<std::string>(v);
  };
  return {given(a.format), given(a.min_quality), given(a.split), given(a.fraction)};
}

// `export --dir`: reads the archive directly (LMDB lets this process read beside the daemon's
// writer) and writes train.jsonl, validation.jsonl and the dataset card README.md.
int cmd_export_dir(client_env& env, const export_args& a) {
  load_options lo;
  if (!a.config_file.empty())
    lo.config_file = a.config_file;
  if (!a.data_dir.empty())
    lo.data_dir = a.data_dir;
  auto loaded = load_config(lo);
  if (!loaded.cfg) {
    for (const auto& e : loaded.errors)
      std::cerr << "zegactl: config: " << e.to_string() << "\n";
    return usage;
  }
  auto opts = store::export_options_from(*loaded.cfg);
  if (!a.user.empty())
    opts.filter.user = a.user;
  if (!a.genre.empty()) {
    const auto* g = training::find_genre(a.genre);
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
  if (auto error = store::apply_export_query(export_query_of(a), opts); !error.empty()) {
    std::cerr << "zegactl: export: " << error << "\n";
    return usage;
  }
  const auto& data_dir = loaded.cfg->storage.data_dir;
  if (!std::ifstream(data_dir + "/data.mdb")) {
    std::cerr << "zegactl: no archive in " << data_dir << " (give --data-dir or --config)\n";
    return failed;
  }
  std::string error;
  store::store_options so{data_dir, loaded.cfg->storage.map_size_mb,
                                loaded.cfg->storage.max_map_size_mb};
  auto db = store::store::open(so, error);
  if (!db) {
    std::cerr << "zegactl: " << error << "\n";
    return failed;
  }
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  auto res = store::export_to_directory(*db, opts, a.dir, now_ms);
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

} // namespace

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
  store::export_options check;
  if (auto error = store::apply_export_query(split_only, check); !error.empty()) {
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

} // namespace zega::ctl
