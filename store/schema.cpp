#include "store/schema.hpp"

#include "training/dedup.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <iterator>
#include <vector>

namespace zega::store::schema {

std::string key_part(std::string_view s) {
  if (s.size() <= key_part_max)
    return std::string(s);
  std::uint64_t h = 0xCBF29CE484222325ull; // FNV-1a 64
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ull;
  }
  return std::string(s.substr(0, key_part_max - 17)) + "#" + to_hex(id_key(h));
}

std::string job_key(std::string_view job_id) {
  return key_part(job_id);
}

std::string id_key(std::uint64_t id) {
  std::string k(8, '\0');
  for (int i = 7; i >= 0; --i) {
    k[static_cast<std::size_t>(i)] = static_cast<char>(id & 0xFF);
    id >>= 8;
  }
  return k;
}

std::optional<std::uint64_t> parse_id_key(std::string_view key) {
  if (key.size() != 8)
    return std::nullopt;
  std::uint64_t id = 0;
  for (char c : key)
    id = (id << 8) | static_cast<unsigned char>(c);
  return id;
}

std::string by_user_prefix(std::string_view user) {
  std::string k = key_part(user);
  k.push_back('\0');
  return k;
}

std::string by_job_prefix(std::string_view job_id) {
  std::string out = key_part(job_id);
  out.push_back('\0');
  return out;
}

std::string by_job_key(std::string_view job_id, std::uint64_t id) {
  return by_job_prefix(job_id) + id_key(id);
}

std::string by_user_key(std::string_view user, std::uint64_t id) {
  return by_user_prefix(user) + id_key(id);
}

std::optional<std::uint64_t> by_user_id(std::string_view key, std::string_view user) {
  auto prefix = by_user_prefix(user);
  // The exact length check keeps user "a" from matching keys of a user "a\0…".
  if (key.size() != prefix.size() + 8 || key.substr(0, prefix.size()) != prefix)
    return std::nullopt;
  return parse_id_key(key.substr(prefix.size()));
}

std::string quota_key(std::string_view provider, std::string_view day) {
  std::string k = key_part(provider);
  k.push_back('\0');
  k.append(key_part(day));
  return k;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0F]);
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0)
    return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]);
    int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return out;
}

namespace {

// Version 1 -> 2: rename the examples' "kind" to "element" and build by_user.
int migrate_1_to_2(const lmdb::txn& t, const handles& h, std::string& error) {
  struct rewrite {
    std::string key;
    std::string json;
    std::string user;
  };
  std::vector<rewrite> rewrites;
  {
    lmdb::cursor c;
    if (int rc = c.open(t, h.examples); rc != 0)
      return rc;
    for (int rc = c.first(); rc == 0; rc = c.next()) {
      rapidjson::Document d;
      auto v = c.value();
      d.Parse(v.data(), v.size());
      if (d.HasParseError() || !d.IsObject()) {
        error = "schema migration 1->2: example " + to_hex(c.key()) + " is not a JSON object";
        return MDB_CORRUPTED;
      }
      if (auto kind = d.FindMember("kind"); kind != d.MemberEnd()) {
        rapidjson::Value element(kind->value, d.GetAllocator());
        d.RemoveMember("kind");
        d.AddMember("element", element, d.GetAllocator());
      }
      std::string user = "default";
      if (auto u = d.FindMember("user"); u != d.MemberEnd() && u->value.IsString())
        user.assign(u->value.GetString(), u->value.GetStringLength());
      rapidjson::StringBuffer buf;
      rapidjson::Writer<rapidjson::StringBuffer> w(buf);
      d.Accept(w);
      rewrites.push_back({std::string(c.key()), std::string(buf.GetString(), buf.GetSize()),
                          std::move(user)});
    }
  }
  for (const auto& r : rewrites) {
    if (int rc = h.examples.put(t, r.key, r.json); rc != 0)
      return rc;
    auto id = parse_id_key(r.key);
    if (!id)
      continue;
    if (int rc = h.by_user.put(t, by_user_key(r.user, *id), {}); rc != 0)
      return rc;
  }
  return 0;
}

// Version 2 -> 3: index every example by its job; by_user values get the fingerprints.
int migrate_2_to_3(const lmdb::txn& t, const handles& h, std::string& error) {
  std::vector<std::string> keys;
  std::vector<std::pair<std::string, std::string>> user_entries;
  {
    lmdb::cursor c;
    if (int rc = c.open(t, h.examples); rc != 0)
      return rc;
    for (int rc = c.first(); rc == 0; rc = c.next()) {
      auto id = parse_id_key(c.key());
      rapidjson::Document d;
      auto v = c.value();
      d.Parse(v.data(), v.size());
      if (!id || d.HasParseError() || !d.IsObject()) {
        error = "schema migration 2->3: example " + to_hex(c.key()) + " is not a JSON object";
        return MDB_CORRUPTED;
      }
      std::string job;
      if (auto j = d.FindMember("job_id"); j != d.MemberEnd() && j->value.IsString())
        job.assign(j->value.GetString(), j->value.GetStringLength());
      keys.push_back(by_job_key(job, *id));
      std::string user = "default";
      if (auto u = d.FindMember("user"); u != d.MemberEnd() && u->value.IsString())
        user.assign(u->value.GetString(), u->value.GetStringLength());
      std::uint64_t fp = 0;
      if (auto f = d.FindMember("fingerprint"); f != d.MemberEnd() && f->value.IsUint64())
        fp = f->value.GetUint64();
      user_entries.emplace_back(by_user_key(user, *id), id_key(fp));
    }
  }
  for (const auto& k : keys)
    if (int rc = h.by_job.put(t, k, {}); rc != 0)
      return rc;
  for (const auto& [k, v] : user_entries)
    if (int rc = h.by_user.put(t, k, v); rc != 0)
      return rc;
  return 0;
}

// Version 3 -> 4: every by_user value becomes the fingerprint and a MinHash signature with the
// text's word count (short texts get their own near-duplicate bar), computed from the stored
// output; values without a signature (examples from before MinHash) get one too.
int migrate_3_to_4(const lmdb::txn& t, const handles& h, std::string&) {
  std::vector<std::pair<std::string, std::string>> updates;
  {
    lmdb::cursor c;
    if (int rc = c.open(t, h.by_user); rc != 0)
      return rc;
    for (int rc = c.first(); rc == 0; rc = c.next()) {
      const auto value = c.value();
      if (value.size() == 8 + training::minhash_signature::byte_size)
        continue;
      // The key is the user's prefix and then the example id (its last 8 bytes).
      const auto key = c.key();
      const auto id = key.size() > 8 ? parse_id_key(key.substr(key.size() - 8)) : std::nullopt;
      // An entry whose example cannot be read keeps its value: loading signatures skips it,
      // and one bad entry is no reason to refuse the whole archive.
      std::string_view record;
      if (!id || h.examples.get(t, id_key(*id), record) != 0)
        continue;
      rapidjson::Document d;
      d.Parse(record.data(), record.size());
      std::string output;
      if (!d.HasParseError() && d.IsObject())
        if (auto o = d.FindMember("output"); o != d.MemberEnd() && o->value.IsString())
          output.assign(o->value.GetString(), o->value.GetStringLength());
      std::string fp = value.size() >= 8 ? std::string(value.substr(0, 8)) : id_key(0);
      updates.emplace_back(std::string(c.key()), fp + training::minhash(output).to_bytes());
    }
  }
  for (const auto& [k, v] : updates)
    if (int rc = h.by_user.put(t, k, v); rc != 0)
      return rc;
  return 0;
}

} // namespace

int open_and_migrate(const lmdb::txn& t, handles& h, int& version, std::string& error) {
  const std::pair<const char*, lmdb::dbi*> dbs[] = {
    {examples_db, &h.examples}, {by_user_db, &h.by_user}, {jobs_db, &h.jobs},
    {attempts_db, &h.attempts}, {quota_db, &h.quota},     {library_db, &h.library},
    {meta_db, &h.meta},         {by_job_db, &h.by_job}};
  for (const auto& [name, dbi] : dbs) {
    if (int rc = lmdb::open_dbi(t, name, true, *dbi); rc != 0) {
      error = std::string("cannot open sub-database ") + name + ": " + lmdb::error_text(rc);
      return rc;
    }
  }
  std::string_view stored;
  int rc = h.meta.get(t, version_key, stored);
  if (rc == MDB_NOTFOUND) {
    version = current_version;
  } else if (rc != 0) {
    error = "cannot read the schema version: " + lmdb::error_text(rc);
    return rc;
  } else {
    version = 0;
    for (char c : stored) {
      if (c < '0' || c > '9' || version > 1000) {
        version = -1;
        break;
      }
      version = version * 10 + (c - '0');
    }
    if (version < 1 || version > current_version) {
      error = "unsupported schema version '" + std::string(stored) + "' (this build reads 1.."
              + std::to_string(current_version) + ")";
      return MDB_INCOMPATIBLE;
    }
    // Each step takes the store from version i + 1 to i + 2, in the same transaction.
    using step = int (*)(const lmdb::txn&, const handles&, std::string&);
    static const step steps[] = {migrate_1_to_2, migrate_2_to_3, migrate_3_to_4};
    static_assert(std::size(steps) == current_version - 1, "one migration step per version");
    for (; version < current_version; ++version) {
      if (rc = steps[version - 1](t, h, error); rc != 0) {
        if (error.empty())
          error = "schema migration " + std::to_string(version) + "->"
                  + std::to_string(version + 1) + " failed: " + lmdb::error_text(rc);
        return rc;
      }
    }
  }
  return h.meta.put(t, version_key, std::to_string(version));
}

} // namespace zega::store::schema
