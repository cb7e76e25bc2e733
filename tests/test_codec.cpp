#include "net/codec.hpp"

#include <catch2/catch.hpp>

using namespace zega::net;

TEST_CASE("go durations", "[codec]") {
  CHECK(parse_go_duration("2m59.56s").value() == Approx(179.56));
  CHECK(parse_go_duration("7.66s").value() == Approx(7.66));
  CHECK(parse_go_duration("120ms").value() == Approx(0.12));
  CHECK_FALSE(parse_go_duration("abc"));
}
