#pragma once
// The config schema as one table per section: each key with how it is read (validated,
// with field-path messages) and how it is printed. Loading (loader.cpp) and printing
// (print.cpp) both walk these tables, so a key is declared once.

#include "config/config.hpp"

#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace zega::schema {

// Reads a parsed document over `cfg` (which holds the defaults). Every problem is appended
// to `errors`; unknown and duplicate keys are problems too.
void read(const rapidjson::Value& doc, config& cfg, std::vector<config_error>& errors);

// The effective config as a JSON object; secrets come out as "***" (or null when unset).
rapidjson::Value write(const config& cfg, rapidjson::Document::AllocatorType& alloc);

// The problem with a "host:port" listen address, or empty when it is fine.
std::string listen_problem(const std::string& s);
// The address as the server can bind it: "localhost:P" becomes "127.0.0.1:P" (a listener
// binds an address, not a name; IPv4 loopback is what localhost means to every client).
std::string bindable_listen(const std::string& s);

} // namespace zega::schema
