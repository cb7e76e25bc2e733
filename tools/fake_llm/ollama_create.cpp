#include "tools/fake_llm/ollama_create.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace zega::fake {

std::optional<created_model> parse_create_request(const std::string& body, std::string& error) {
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    error = "invalid JSON body";
    return std::nullopt;
  }
  auto text = [&doc](const char* key) -> std::optional<std::string> {
    const auto it = doc.FindMember(key);
    if (it == doc.MemberEnd() || !it->value.IsString())
      return std::nullopt;
    return std::string(it->value.GetString(), it->value.GetStringLength());
  };
  created_model m;
  const auto name = text("model");
  if (!name || name->empty()) {
    error = "model is required";
    return std::nullopt;
  }
  m.name = *name;
  const auto from = text("from");
  if (!from || from->empty()) {
    // Ollama also accepts a Modelfile or files; zegad always sends "from".
    error = "neither 'from' nor 'files' was specified";
    return std::nullopt;
  }
  m.from = *from;
  m.system = text("system").value_or("");
  if (const auto it = doc.FindMember("messages"); it != doc.MemberEnd()) {
    if (!it->value.IsArray()) {
      error = "messages must be an array";
      return std::nullopt;
    }
    for (const auto& msg : it->value.GetArray()) {
      const auto role = msg.IsObject() ? msg.FindMember("role") : msg.MemberEnd();
      const auto content = msg.IsObject() ? msg.FindMember("content") : msg.MemberEnd();
      if (!msg.IsObject() || role == msg.MemberEnd() || content == msg.MemberEnd()
          || !role->value.IsString() || !content->value.IsString()) {
        error = "each message needs a string role and content";
        return std::nullopt;
      }
      const std::string r = role->value.GetString();
      if (r != "system" && r != "user" && r != "assistant") {
        error = "unknown message role \"" + r + "\"";
        return std::nullopt;
      }
      m.messages.emplace_back(r, content->value.GetString());
    }
  }
  return m;
}

bool create_streams(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  if (doc.HasParseError() || !doc.IsObject())
    return true;
  const auto it = doc.FindMember("stream");
  return it == doc.MemberEnd() || !it->value.IsBool() || it->value.GetBool();
}

std::string create_status_body(bool stream) {
  if (!stream)
    return "{\"status\":\"success\"}";
  return "{\"status\":\"using existing layer sha256:a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72\"}\n"
         "{\"status\":\"creating new layer sha256:4d3c1e2b7f9a\"}\n"
         "{\"status\":\"writing manifest\"}\n"
         "{\"status\":\"success\"}\n";
}

std::string created_models_json(const std::vector<created_model>& models) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("models");
  w.StartArray();
  for (const auto& m : models) {
    w.StartObject();
    w.Key("name");
    w.String(m.name.c_str(), static_cast<rapidjson::SizeType>(m.name.size()));
    w.Key("from");
    w.String(m.from.c_str(), static_cast<rapidjson::SizeType>(m.from.size()));
    w.Key("system");
    w.String(m.system.c_str(), static_cast<rapidjson::SizeType>(m.system.size()));
    w.Key("messages");
    w.StartArray();
    for (const auto& [role, content] : m.messages) {
      w.StartObject();
      w.Key("role");
      w.String(role.c_str(), static_cast<rapidjson::SizeType>(role.size()));
      w.Key("content");
      w.String(content.c_str(), static_cast<rapidjson::SizeType>(content.size()));
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return buf.GetString();
}

} // namespace zega::fake
