#include "config/config.hpp"
#include "config/schema.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace zega {

// The effective config, in the file's own keys plus what loading resolved (api_key, token,
// disabled_reason); the key list is schema.cpp's table.
std::string to_json(const config& cfg, bool pretty) {
  rapidjson::Document doc;
  const rapidjson::Value value = schema::write(cfg, doc.GetAllocator());
  rapidjson::StringBuffer buf;
  if (pretty) {
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent(' ', 2);
    w.SetFormatOptions(rapidjson::kFormatSingleLineArray);
    value.Accept(w);
  } else {
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    value.Accept(w);
  }
  return buf.GetString();
}

} // namespace zega
