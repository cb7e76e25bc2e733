#include "store/store.hpp"

#include "training/dedup.hpp"

#include "store/codec.hpp"
#include "store/lmdb.hpp"
#include "store/schema.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <mutex>
#include <shared_mutex>

namespace zega::store {

namespace {

constexpr std::uint64_t mib = 1024 * 1024;
constexpr std::size_t scan_page = 256;
// Records one list call may examine: a selective filter over a big table then returns a
// short (even empty) page with a cursor instead of holding one read transaction (and
// delaying a map resize) for the whole scan.
constexpr std::size_t scan_budget = 4096;

bool matches(const example_filter& f, const example_record& r) {
  return (!f.user || r.user == *f.user) && (!f.genre || r.genre == *f.genre)
         && (!f.element || r.element == *f.element) && (!f.job_id || r.job_id == *f.job_id)
         && (!f.provider || r.provider == *f.provider) && (!f.review || r.review == *f.review)
         && (!f.min_quality || r.quality >= *f.min_quality)
         && (!f.from_ms || r.created_ms >= *f.from_ms) && (!f.to_ms || r.created_ms < *f.to_ms);
}

bool matches(const job_filter& f, const job_record& r) {
  return (!f.user || r.user == *f.user) && (!f.state || r.state == *f.state)
         && (!f.from_ms || r.started_ms >= *f.from_ms) && (!f.to_ms || r.started_ms < *f.to_ms);
}

std::uint64_t parse_counter(std::string_view s) {
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return 1;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v == 0 ? 1 : v;
}

bool disk_full(int rc) {
  return rc == ENOSPC || rc == EDQUOT || rc == EFBIG;
}

} // namespace

struct store::impl {
  store_options opts;
  lmdb::env env;
  schema::handles h;
  int version = 0;
  // mdb_env_set_mapsize needs every transaction of the process closed: readers hold this
  // shared for their (short) transaction, the writer takes it exclusively to grow the map.
  mutable std::shared_mutex resize_mutex;
  // One writer at a time even if commit() and trim_attempts() were called from two threads.
  std::mutex write_mutex;
  std::atomic<std::uint64_t> commits{0};
  // fail_next_writes(): write transactions still to refuse, and with which code.
  int injected_failures = 0;
  int injected_error = 0;

  // A read transaction that keeps the map from being resized under it.
  struct reader {
    std::shared_lock<std::shared_mutex> lock;
    lmdb::txn txn;
    bool ok = false;
    explicit reader(const impl& i) : lock(i.resize_mutex) {
      int rc = txn.begin(i.env, true);
      if (rc == MDB_MAP_RESIZED) {
        lock.unlock();
        i.adopt_map_size();
        lock.lock();
        rc = txn.begin(i.env, true);
      }
      ok = rc == 0;
    }
  };

  // Another process (a tool writing to the same environment) grew the map.
  void adopt_map_size() const {
    std::unique_lock<std::shared_mutex> lock(resize_mutex);
    env.set_map_size(0);
  }

  std::uint64_t read_counter(const lmdb::txn& t, const char* name) const {
    std::string_view v;
    return h.meta.get(t, name, v) == 0 ? parse_counter(v) : 1;
  }

  std::optional<example_record> load_example(const lmdb::txn& t, std::uint64_t id) const {
    std::string_view v;
    if (h.examples.get(t, schema::id_key(id), v) != 0)
      return std::nullopt;
    example_record r;
    if (!decode(v, r))
      return std::nullopt;
    return r;
  }

  int write(const write_batch& b, commit_result& res) {
    lmdb::txn t;
    if (int rc = t.begin(env, false); rc != 0)
      return rc;
    std::uint64_t next_example = read_counter(t, schema::next_example_key);
    std::uint64_t next_attempt = read_counter(t, schema::next_attempt_key);
    std::uint64_t next_library = read_counter(t, schema::next_library_key);
    res.example_ids.clear();
    res.example_ids.reserve(b.examples.size());
    res.missing_reviews.clear();
    for (const auto& in : b.examples) {
      example_record ex = in;
      ex.id = next_example++;
      auto key = schema::id_key(ex.id);
      if (int rc = h.examples.put(t, key, encode(ex), MDB_APPEND); rc != 0)
        return rc;
      if (int rc = h.by_user.put(t, schema::by_user_key(ex.user, ex.id),
                                   schema::id_key(ex.fingerprint) + ex.minhash);
          rc != 0)
        return rc;
      if (int rc = h.by_job.put(t, schema::by_job_key(ex.job_id, ex.id), {}); rc != 0)
        return rc;
      if (ex.in_library) {
        rapidjson::StringBuffer buf;
        json_writer w(buf);
        w.StartObject();
        w.Key("example_id");
        w.Uint64(ex.id);
        write_field(w, "user", ex.user);
        write_field(w, "quality", ex.quality);
        w.Key("saved_ms");
        w.Int64(ex.created_ms);
        w.EndObject();
        auto lib_key = schema::id_key(next_library++);
        std::string_view entry(buf.GetString(), buf.GetSize());
        if (int rc = h.library.put(t, lib_key, entry, MDB_APPEND); rc != 0)
          return rc;
      }
      res.example_ids.push_back(ex.id);
    }
    for (const auto& rv : b.reviews) {
      auto ex = load_example(t, rv.example_id);
      if (!ex) {
        res.missing_reviews.push_back(rv.example_id);
        continue;
      }
      ex->review = rv.status;
      if (int rc = h.examples.put(t, schema::id_key(ex->id), encode(*ex)); rc != 0)
        return rc;
    }
    for (const auto& j : b.jobs)
      if (int rc = h.jobs.put(t, schema::job_key(j.id), encode(j)); rc != 0)
        return rc;
    for (const auto& in : b.attempts) {
      attempt_record a = in;
      a.id = next_attempt++;
      if (int rc = h.attempts.put(t, schema::id_key(a.id), encode(a), MDB_APPEND); rc != 0)
        return rc;
    }
    for (const auto& q : b.quota)
      if (int rc = h.quota.put(t, schema::quota_key(q.provider, q.day), encode(q)); rc != 0)
        return rc;
    for (const auto& [name, value] : b.meta)
      if (int rc = h.meta.put(t, name, value); rc != 0)
        return rc;
    // After the caller's meta, so a stray counter name in the batch cannot rewind ids.
    const std::pair<const char*, std::uint64_t> counters[] = {
      {schema::next_example_key, next_example},
      {schema::next_attempt_key, next_attempt},
      {schema::next_library_key, next_library}};
    for (const auto& [name, v] : counters)
      if (int rc = h.meta.put(t, name, std::to_string(v)); rc != 0)
        return rc;
    return t.commit();
  }

  // Ids are written with MDB_APPEND, which needs every new key above the last one: make
  // each counter exceed its table's last id whatever the meta said (older or hand-edited
  // stores).
  int repair_counters(const lmdb::txn& t) {
    const std::pair<const lmdb::dbi*, const char*> tables[] = {
      {&h.examples, schema::next_example_key},
      {&h.attempts, schema::next_attempt_key},
      {&h.library, schema::next_library_key}};
    for (const auto& [db, name] : tables) {
      lmdb::cursor c;
      if (int rc = c.open(t, *db); rc != 0)
        return rc;
      if (c.last() != 0)
        continue;
      auto last = schema::parse_id_key(c.key());
      if (last && read_counter(t, name) <= *last)
        if (int rc = h.meta.put(t, name, std::to_string(*last + 1)); rc != 0)
          return rc;
    }
    return 0;
  }

  // Runs `attempt` (one write transaction) until it commits, growing or adopting the map
  // as needed. Returns the final LMDB code; `status` and `message` say what it means.
  template <class F>
  int retry_write(F&& attempt, commit_status& status, std::string& message) {
    for (;;) {
      int rc = injected_failures > 0 ? (--injected_failures, injected_error) : attempt();
      if (rc == 0) {
        ++commits;
        return 0;
      }
      if (rc == MDB_MAP_RESIZED) {
        adopt_map_size();
        continue;
      }
      if (rc == MDB_MAP_FULL) {
        if (grow(message))
          continue;
        status = commit_status::storage_full;
        return rc;
      }
      if (disk_full(rc)) {
        status = commit_status::storage_full;
        message = "no space left for " + opts.dir + " (" + lmdb::error_text(rc) + ")";
        return rc;
      }
      // The file system refused the write (EIO after a short write, a read-only remount):
      // nothing was written, and the same batch may well succeed once the disk recovers,
      // so it is held like a full disk rather than dropped.
      if (rc > 0) {
        status = commit_status::storage_full;
        message = "cannot write to " + opts.dir + " (" + lmdb::error_text(rc) + ")";
        return rc;
      }
      status = commit_status::failed;
      message = "database write failed: " + lmdb::error_text(rc);
      return rc;
    }
  }

  // Doubles the map up to the configured maximum; false (with the reason) when it cannot.
  bool grow(std::string& why) {
    std::uint64_t cur = env.map_size();
    std::uint64_t max = opts.max_map_size_mb * mib;
    if (cur >= max) {
      why = "the database reached storage.max_map_size_mb ("
            + std::to_string(opts.max_map_size_mb) + " MB); raise it or export and archive data";
      return false;
    }
    std::uint64_t next = std::min(cur * 2, max);
    std::unique_lock<std::shared_mutex> lock(resize_mutex);
    if (int rc = env.set_map_size(next); rc != 0) {
      why = "cannot grow the database map to " + std::to_string(next / mib)
            + " MB: " + lmdb::error_text(rc);
      return false;
    }
    return true;
  }
};

store::store() : impl_(std::make_unique<impl>()) {}
store::~store() = default;

std::unique_ptr<store> store::open(const store_options& opts, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(opts.dir, ec);
  if (ec) {
    error = "cannot create data directory " + opts.dir + ": " + ec.message();
    return nullptr;
  }
  std::unique_ptr<store> s(new store());
  auto& i = *s->impl_;
  i.opts = opts;
  if (i.opts.max_map_size_mb < i.opts.map_size_mb)
    i.opts.max_map_size_mb = i.opts.map_size_mb;
  if (int rc = i.env.open(opts.dir, i.opts.map_size_mb * mib, schema::max_dbs); rc != 0) {
    error = "cannot open LMDB environment in " + opts.dir + ": " + lmdb::error_text(rc);
    return nullptr;
  }
  // Reader slots left behind by a crashed process would pin old pages forever.
  int dead = 0;
  mdb_reader_check(i.env.get(), &dead);
  lmdb::txn t;
  if (int rc = t.begin(i.env, false); rc != 0) {
    error = "cannot begin the schema transaction: " + lmdb::error_text(rc);
    return nullptr;
  }
  if (int rc = schema::open_and_migrate(t, i.h, i.version, error); rc != 0) {
    if (error.empty())
      error = lmdb::error_text(rc);
    return nullptr;
  }
  if (int rc = i.repair_counters(t); rc != 0) {
    error = "cannot check the id counters: " + lmdb::error_text(rc);
    return nullptr;
  }
  if (int rc = t.commit(); rc != 0) {
    error = "cannot commit the schema transaction: " + lmdb::error_text(rc);
    return nullptr;
  }
  return s;
}

std::string invalid_reason(const write_batch& batch) {
  for (const auto& j : batch.jobs)
    if (j.id.empty())
      return "job record without an id";
  for (const auto& [name, value] : batch.meta)
    if (name.empty() || name.size() > schema::key_part_max)
      return "meta name must be 1.." + std::to_string(schema::key_part_max) + " bytes";
  return {};
}

commit_result store::commit(const write_batch& batch) {
  commit_result res;
  if (batch.empty())
    return res;
  if (auto why = invalid_reason(batch); !why.empty()) {
    res.status = commit_status::failed;
    res.message = "invalid write batch: " + why;
    return res;
  }
  auto& i = *impl_;
  std::lock_guard<std::mutex> guard(i.write_mutex);
  if (i.retry_write([&] { return i.write(batch, res); }, res.status, res.message) != 0) {
    res.example_ids.clear();
    res.missing_reviews.clear();
  }
  return res;
}

store::update_result store::update_examples(std::uint64_t from_id, std::size_t limit,
                                            const std::function<bool(example_record&)>& fn) {
  update_result res;
  limit = std::max<std::size_t>(limit, 1); // a zero chunk would never advance the cursor
  auto& i = *impl_;
  std::lock_guard<std::mutex> guard(i.write_mutex);
  // `fn` runs once, in a read snapshot taken under the write lock (no other writer can
  // change these records before they are written back); a retried transaction only
  // rewrites what it produced.
  std::vector<example_record> changed;
  {
    impl::reader r(i);
    lmdb::cursor c;
    if (!r.ok || c.open(r.txn, i.h.examples) != 0) {
      res.status = commit_status::failed;
      res.message = "cannot read the archive";
      return res;
    }
    for (int rc = c.seek(schema::id_key(from_id)); rc == 0; rc = c.next()) {
      auto id = schema::parse_id_key(c.key());
      if (!id)
        continue;
      if (res.examined == limit) {
        res.next_id = *id;
        break;
      }
      ++res.examined;
      example_record ex;
      if (!decode(c.value(), ex))
        continue;
      ex.id = *id;
      if (fn(ex))
        changed.push_back(std::move(ex));
    }
  }
  res.changed = changed.size();
  if (changed.empty())
    return res;
  auto write_all = [&] {
    lmdb::txn t;
    if (int rc = t.begin(i.env, false); rc != 0)
      return rc;
    for (const auto& ex : changed)
      if (int rc = i.h.examples.put(t, schema::id_key(ex.id), encode(ex)); rc != 0)
        return rc;
    return t.commit();
  };
  if (i.retry_write(write_all, res.status, res.message) != 0)
    res.changed = 0;
  return res;
}

std::size_t store::trim_attempts(std::int64_t cutoff_ms) {
  auto& i = *impl_;
  std::lock_guard<std::mutex> guard(i.write_mutex);
  lmdb::txn t;
  if (t.begin(i.env, false) != 0)
    return 0;
  std::size_t removed = 0;
  {
    lmdb::cursor c;
    if (c.open(t, i.h.attempts) != 0)
      return 0;
    // Ids follow commit order and at_ms is the call's wall time, so attempts are in time
    // order up to the few seconds a call is in flight: stop at the first one to keep.
    for (int rc = c.first(); rc == 0; rc = c.next()) {
      attempt_record a;
      if (decode(c.value(), a) && a.at_ms >= cutoff_ms)
        break;
      if (c.del() != 0)
        return 0;
      ++removed;
    }
  }
  if (removed == 0)
    return 0;
  if (t.commit() != 0)
    return 0;
  ++i.commits;
  return removed;
}

void store::fail_next_writes(int count, int error) {
  std::lock_guard<std::mutex> guard(impl_->write_mutex);
  impl_->injected_failures = count;
  impl_->injected_error = error;
}

std::uint64_t store::commits() const {
  return impl_->commits.load();
}

std::optional<example_record> store::get_example(std::uint64_t id) const {
  impl::reader r(*impl_);
  if (!r.ok)
    return std::nullopt;
  return impl_->load_example(r.txn, id);
}

page<example_record> store::list_examples(const example_filter& f, const std::string& cursor,
                                          std::size_t limit) const {
  page<example_record> out;
  limit = std::max<std::size_t>(limit, 1);
  std::string start;
  if (!cursor.empty()) {
    auto key = schema::from_hex(cursor);
    bool valid = key && (f.user ? schema::by_user_id(*key, *f.user).has_value()
                                : schema::parse_id_key(*key).has_value());
    if (!valid) {
      out.error = "invalid cursor";
      return out;
    }
    start = *key;
  }
  const auto& i = *impl_;
  impl::reader r(i);
  lmdb::cursor c;
  if (!r.ok || c.open(r.txn, f.user ? i.h.by_user : i.h.examples) != 0) {
    out.error = "cannot read the archive";
    return out;
  }
  const std::string prefix = f.user ? schema::by_user_prefix(*f.user) : std::string();
  if (start.empty())
    start = prefix;
  std::size_t scanned = 0;
  for (int rc = start.empty() ? c.first() : c.seek(start); rc == 0; rc = c.next()) {
    if (++scanned > scan_budget) {
      out.next_cursor = schema::to_hex(c.key());
      break;
    }
    std::optional<example_record> ex;
    if (f.user) {
      if (c.key().substr(0, prefix.size()) != prefix)
        break;
      auto id = schema::by_user_id(c.key(), *f.user);
      if (!id)
        continue;
      ex = i.load_example(r.txn, *id);
    } else {
      example_record rec;
      if (decode(c.value(), rec))
        ex = std::move(rec);
    }
    if (!ex || !matches(f, *ex))
      continue;
    if (out.items.size() == limit) {
      out.next_cursor = schema::to_hex(c.key());
      break;
    }
    out.items.push_back(std::move(*ex));
  }
  return out;
}

std::string store::for_each_example(const example_filter& f,
                                    const std::function<bool(const example_record&)>& fn) const {
  if (f.job_id && !f.user) {
    // One job's examples through the by_job index: resume reads them, not the table.
    std::vector<std::uint64_t> ids;
    {
      const auto& i = *impl_;
      impl::reader r(i);
      lmdb::cursor c;
      if (!r.ok || c.open(r.txn, i.h.by_job) != 0)
        return "cannot read the by_job index";
      auto prefix = schema::by_job_prefix(*f.job_id);
      for (int rc = c.seek(prefix); rc == 0 && c.key().substr(0, prefix.size()) == prefix;
           rc = c.next())
        if (auto id = schema::parse_id_key(c.key().substr(prefix.size())))
          ids.push_back(*id);
    }
    for (auto id : ids) {
      auto ex = get_example(id);
      if (ex && matches(f, *ex) && !fn(*ex))
        return {};
    }
    return {};
  }
  std::string cursor;
  do {
    auto p = list_examples(f, cursor, scan_page);
    if (!p.error.empty())
      return p.error;
    for (const auto& ex : p.items)
      if (!fn(ex))
        return {};
    cursor = std::move(p.next_cursor);
  } while (!cursor.empty());
  return {};
}

std::size_t store::count_examples(const std::string& user) const {
  const auto& i = *impl_;
  impl::reader r(i);
  if (!r.ok)
    return 0;
  if (user.empty())
    return i.h.examples.entries(r.txn);
  lmdb::cursor c;
  if (c.open(r.txn, i.h.by_user) != 0)
    return 0;
  std::size_t n = 0;
  auto prefix = schema::by_user_prefix(user);
  for (int rc = c.seek(prefix); rc == 0 && c.key().substr(0, prefix.size()) == prefix;
       rc = c.next())
    if (schema::by_user_id(c.key(), user))
      ++n;
  return n;
}

std::vector<std::uint64_t> store::fingerprints(const std::string& user) const {
  // The by_user index carries each example's fingerprint: 8 bytes per example, no record
  // decoded, so loading a user's fingerprints costs a cursor walk over its index entries.
  std::vector<std::uint64_t> out;
  const auto& i = *impl_;
  impl::reader r(i);
  lmdb::cursor c;
  if (!r.ok || c.open(r.txn, i.h.by_user) != 0)
    return out;
  auto prefix = schema::by_user_prefix(user);
  for (int rc = c.seek(prefix); rc == 0 && c.key().substr(0, prefix.size()) == prefix;
       rc = c.next())
    if (schema::by_user_id(c.key(), user))
      if (auto fp = schema::parse_id_key(c.value().substr(0, 8)))
        out.push_back(*fp);
  return out;
}

std::vector<std::pair<std::uint64_t, std::string>> store::minhashes(const std::string& user) const {
  std::vector<std::pair<std::uint64_t, std::string>> out;
  std::vector<std::uint64_t> unsigned_ids;
  {
    const auto& i = *impl_;
    impl::reader r(i);
    lmdb::cursor c;
    if (!r.ok || c.open(r.txn, i.h.by_user) != 0)
      return out;
    auto prefix = schema::by_user_prefix(user);
    for (int rc = c.seek(prefix); rc == 0 && c.key().substr(0, prefix.size()) == prefix;
         rc = c.next()) {
      auto id = schema::by_user_id(c.key(), user);
      if (!id)
        continue;
      auto v = c.value();
      if (v.size() == 8 + training::minhash_signature::byte_size)
        out.emplace_back(*id, std::string(v.substr(8)));
      else
        unsigned_ids.push_back(*id);
    }
  }
  for (auto id : unsigned_ids)
    if (auto ex = get_example(id))
      out.emplace_back(id, training::minhash(ex->output).to_bytes());
  return out;
}

std::optional<job_record> store::get_job(const std::string& id) const {
  const auto& i = *impl_;
  impl::reader r(i);
  std::string_view v;
  if (!r.ok || i.h.jobs.get(r.txn, schema::job_key(id), v) != 0)
    return std::nullopt;
  job_record j;
  if (!decode(v, j))
    return std::nullopt;
  return j;
}

page<job_record> store::list_jobs(const job_filter& f, const std::string& cursor,
                                  std::size_t limit) const {
  page<job_record> out;
  limit = std::max<std::size_t>(limit, 1);
  std::string start;
  if (!cursor.empty()) {
    auto key = schema::from_hex(cursor);
    if (!key) {
      out.error = "invalid cursor";
      return out;
    }
    start = *key;
  }
  const auto& i = *impl_;
  impl::reader r(i);
  lmdb::cursor c;
  if (!r.ok || c.open(r.txn, i.h.jobs) != 0)
    return out;
  std::size_t scanned = 0;
  // A cursor is the key to continue from; backwards it is an existing key, so seek lands
  // on it exactly.
  auto begin = [&] {
    if (start.empty())
      return f.newest_first ? c.last() : c.first();
    return c.seek(start);
  };
  for (int rc = begin(); rc == 0; rc = f.newest_first ? c.prev() : c.next()) {
    if (++scanned > scan_budget) {
      out.next_cursor = schema::to_hex(c.key());
      break;
    }
    job_record j;
    if (!decode(c.value(), j) || !matches(f, j))
      continue;
    if (out.items.size() == limit) {
      out.next_cursor = schema::to_hex(c.key());
      break;
    }
    out.items.push_back(std::move(j));
  }
  return out;
}

void store::for_each_job(const std::function<bool(const job_record&)>& fn) const {
  std::string cursor;
  do {
    auto p = list_jobs({}, cursor, scan_page);
    for (const auto& j : p.items)
      if (!fn(j))
        return;
    cursor = std::move(p.next_cursor);
  } while (!cursor.empty());
}

std::vector<job_record> store::unfinished_jobs() const {
  std::vector<job_record> out;
  for_each_job([&](const job_record& j) {
    if (j.state == "queued" || j.state == "running")
      out.push_back(j);
    return true;
  });
  return out;
}

std::size_t store::count_jobs() const {
  const auto& i = *impl_;
  impl::reader r(i);
  return r.ok ? i.h.jobs.entries(r.txn) : 0;
}

std::vector<attempt_record> store::list_attempts(std::size_t limit) const {
  std::vector<attempt_record> out;
  const auto& i = *impl_;
  impl::reader r(i);
  lmdb::cursor c;
  if (!r.ok || c.open(r.txn, i.h.attempts) != 0)
    return out;
  for (int rc = c.last(); rc == 0 && out.size() < limit; rc = c.prev()) {
    attempt_record a;
    if (decode(c.value(), a))
      out.push_back(std::move(a));
  }
  return out;
}

std::size_t store::count_attempts() const {
  const auto& i = *impl_;
  impl::reader r(i);
  return r.ok ? i.h.attempts.entries(r.txn) : 0;
}

void store::for_each_attempt(const std::function<bool(const attempt_record&)>& fn) const {
  const auto& i = *impl_;
  std::string next;
  bool more = true;
  while (more) {
    std::vector<attempt_record> batch;
    {
      impl::reader r(i);
      lmdb::cursor c;
      if (!r.ok || c.open(r.txn, i.h.attempts) != 0)
        return;
      more = false;
      for (int rc = next.empty() ? c.first() : c.seek(next); rc == 0; rc = c.next()) {
        if (batch.size() == scan_page) {
          next = std::string(c.key());
          more = true;
          break;
        }
        attempt_record a;
        if (decode(c.value(), a))
          batch.push_back(std::move(a));
      }
    }
    for (const auto& a : batch)
      if (!fn(a))
        return;
  }
}

std::size_t store::count_library() const {
  const auto& i = *impl_;
  impl::reader r(i);
  return r.ok ? i.h.library.entries(r.txn) : 0;
}

quota_record store::get_quota(const std::string& provider, const std::string& day) const {
  quota_record q;
  q.provider = provider;
  q.day = day;
  const auto& i = *impl_;
  impl::reader r(i);
  std::string_view v;
  if (r.ok && i.h.quota.get(r.txn, schema::quota_key(provider, day), v) == 0)
    decode(v, q);
  return q;
}

std::optional<std::string> store::get_meta(const std::string& name) const {
  const auto& i = *impl_;
  impl::reader r(i);
  std::string_view v;
  if (!r.ok || i.h.meta.get(r.txn, name, v) != 0)
    return std::nullopt;
  return std::string(v);
}

int store::schema_version() const {
  return impl_->version;
}

std::uint64_t store::map_size_bytes() const {
  return impl_->env.map_size();
}

std::string store::path() const {
  return impl_->opts.dir;
}

std::string store::copy_compacted(const std::string& dir) const {
  // Shared like any reader: the copy's read transaction must not see the map resized.
  std::shared_lock<std::shared_mutex> lock(impl_->resize_mutex);
  const int rc = mdb_env_copy2(impl_->env.get(), dir.c_str(), MDB_CP_COMPACT);
  return rc == 0 ? std::string() : std::string(mdb_strerror(rc));
}

} // namespace zega::store
