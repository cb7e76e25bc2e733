#pragma once
// Record <-> JSON. Every string is written as valid UTF-8 (invalid sequences become
// U+FFFD) and every control character is escaped, so each record is one line of valid
// JSON whatever a model produced. Decoding is lenient: missing or mistyped fields keep
// their defaults, so older records stay readable.

#include "store/records.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "net/http/types.hpp"

#include <string>
#include <string_view>

namespace zega::store {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Ill-formed UTF-8 (stray continuation bytes, overlong forms, surrogates, code points
// above U+10FFFF, truncated sequences) becomes U+FFFD in everything the store writes.
using net::valid_utf8;

// Writers shared by the codecs, history and export so every JSON string goes through
// valid_utf8 and every number is finite.
void write_string(json_writer& w, std::string_view s);
void write_double(json_writer& w, double d);
void write_field(json_writer& w, const char* key, std::string_view value);
void write_field(json_writer& w, const char* key, double value);

std::string encode(const example_record& r);
std::string encode(const job_record& r);
std::string encode(const attempt_record& r);
std::string encode(const quota_record& r);

// Return false when `json` is not a JSON object.
bool decode(std::string_view json, example_record& r);
bool decode(std::string_view json, job_record& r);
bool decode(std::string_view json, attempt_record& r);
bool decode(std::string_view json, quota_record& r);

// "YYYY-MM-DD" and "YYYY-MM-DDTHH:MM:SS.mmmZ" for a Unix-millisecond time (UTC).
std::string utc_day(std::int64_t unix_ms);
std::string iso8601_utc(std::int64_t unix_ms);

} // namespace zega::store
