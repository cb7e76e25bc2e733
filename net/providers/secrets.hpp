#pragma once
// Secrets of the whole configuration (every provider key, the server token): an upstream
// may echo any of them, not only its own, so codec error text masks them all. Set once at
// start, before any provider call; read under a lock by the codecs (codec_common.cpp).

#include <string>
#include <vector>

namespace zega::net {

void set_known_secrets(std::vector<std::string> secrets);

} // namespace zega::net
