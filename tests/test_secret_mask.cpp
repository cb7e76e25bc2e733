// Hole 7 of issue 10: upstream error text was cut to 2,000 characters before keys were
// masked, so a key echoed after padding leaked its prefix; other keys were never masked.
#include "net/providers/codec.hpp"
#include "net/providers/codec_detail.hpp"
#include "net/providers/secrets.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace zega::net;

namespace {

const std::string own_key = "gsk_SECRETownKEY0123456789abcdef";
const std::string other_key = "hf_OTHERprovidersKEY987654321";

endpoint groq() {
  return {provider_kind::openai, "groq", "https://api.groq.com/openai/v1", "llama", own_key};
}

http_response error_response(int status, std::string body) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// No prefix of six characters or more of `key` appears in `text`.
bool leaks_part_of(const std::string& text, const std::string& key) {
  return text.find(key.substr(0, 6)) != std::string::npos;
}

} // namespace

TEST_CASE("a key echoed after padding is masked before the text is cut", "[unit][codec]") {
  set_known_secrets({});
  // 1,995 spaces: operator_message folds them, so the cut prefix would come first.
  for (std::size_t pad : {1990, 1995, 1998, 1999, 2000, 2010}) {
    std::string message(pad, ' ');
    message += own_key + " is not valid";
    auto json = R"({"error":{"message":")" + message + R"(","type":"invalid_request_error"}})";
    for (const auto& body : {json, message}) {
      auto r = parse_generate(groq(), error_response(401, body), 0);
      INFO(pad << ": " << r.message);
      CHECK_FALSE(leaks_part_of(r.message, own_key));
      CHECK_FALSE(leaks_part_of(r.error_code, own_key));
    }
  }
}

TEST_CASE("keys are masked whatever their case, and every configured secret too",
          "[unit][codec]") {
  set_known_secrets({other_key, "short"});
  std::string upper = own_key;
  for (auto& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto r = parse_generate(groq(), error_response(400, R"({"error":{"message":"bad key )" + upper
                                                          + " and " + other_key + R"("}})"),
                          0);
  INFO(r.message);
  CHECK_FALSE(leaks_part_of(r.message, upper));
  CHECK_FALSE(leaks_part_of(r.message, other_key));
  CHECK_THAT(r.message, Catch::Contains("***"));
  // Short secrets would garble ordinary words; they are left alone.
  CHECK(detail::mask_secrets("a short text", "") == "a short text");
  set_known_secrets({});
}
