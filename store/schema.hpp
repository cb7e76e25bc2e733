#pragma once
// Sub-databases, key encodings and schema migrations of the LMDB environment.
//
//   db          key                                   value
//   examples    u64 id, big-endian (8 bytes)          example JSON (codec.hpp)
//   by_user     key_part(user) + 0x00 + u64 id BE     u64 SimHash BE (index: a user's examples in
//                                                     id order, with their fingerprints)
//   by_job      key_part(job id) + 0x00 + u64 id BE   empty (index: a job's examples, for resume)
//   jobs        job id (key_part)                     job JSON
//   attempts    u64 id, big-endian                    attempt JSON
//   quota       provider + 0x00 + "YYYY-MM-DD" (UTC)  quota JSON (both parts through key_part)
//   library     u64 library id, big-endian            {"example_id":N,"user":…,"quality":…,"saved_ms":…}
//   meta        name (string)                         value (string)
//
// Big-endian ids make LMDB's bytewise key order equal numeric order, so cursors walk
// records oldest first and "newest" is the last key. Meta names used by the store:
// "schema_version", "next_example_id", "next_attempt_id", "next_library_id" (decimal).
//
// Schema versions:
//   1  examples kept the element under "kind"; there was no by_user index.
//   2  examples carry "element"; by_user indexes every example.
//   3  by_job indexes every example (resuming a job reads its examples, not the table);
//      by_user values hold the example's fingerprint (dedup loads 8 bytes per example).
//   4  by_user values hold the fingerprint and the MinHash signature with the text's word
//      count (training::minhash_signature, 516 bytes), computed for every stored example.
// Opening an older environment migrates it in one write transaction.

#include "store/lmdb.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zega::store::schema {

inline constexpr int current_version = 4;

inline constexpr const char* examples_db = "examples";
inline constexpr const char* by_user_db = "by_user";
inline constexpr const char* by_job_db = "by_job";
inline constexpr const char* jobs_db = "jobs";
inline constexpr const char* attempts_db = "attempts";
inline constexpr const char* quota_db = "quota";
inline constexpr const char* library_db = "library";
inline constexpr const char* meta_db = "meta";
inline constexpr unsigned max_dbs = 16;

inline constexpr const char* version_key = "schema_version";
inline constexpr const char* next_example_key = "next_example_id";
inline constexpr const char* next_attempt_key = "next_attempt_id";
inline constexpr const char* next_library_key = "next_library_id";

// LMDB keys hold at most 511 bytes. Strings up to key_part_max go into keys as they are;
// a longer one keeps its first bytes and gets a hash of the whole string appended, so
// every string still maps to exactly one key of bounded size.
inline constexpr std::size_t key_part_max = 400;
std::string key_part(std::string_view s);
std::string job_key(std::string_view job_id);

std::string id_key(std::uint64_t id);
std::optional<std::uint64_t> parse_id_key(std::string_view key);
std::string by_user_prefix(std::string_view user);
std::string by_user_key(std::string_view user, std::uint64_t id);
// The id of a by_user key that belongs to `user`, or nothing.
std::optional<std::uint64_t> by_user_id(std::string_view key, std::string_view user);
std::string by_job_prefix(std::string_view job_id);
std::string by_job_key(std::string_view job_id, std::uint64_t id);
std::string quota_key(std::string_view provider, std::string_view day);

// Opaque pagination cursors: the hex of the next key to read.
std::string to_hex(std::string_view bytes);
std::optional<std::string> from_hex(std::string_view hex);

struct handles {
  lmdb::dbi examples, by_user, jobs, attempts, quota, library, meta, by_job;
};

// Opens (creating) every sub-database and brings the schema to current_version inside
// the given write transaction. Returns an LMDB code; `error` says what failed.
int open_and_migrate(const lmdb::txn& t, handles& h, int& version, std::string& error);

} // namespace zega::store::schema
