#include "training/element.hpp"

#include <catch2/catch.hpp>

TEST_CASE("element names round-trip", "[training]") {
  for (auto e : zega::training::all_elements())
    CHECK(zega::training::element_from_string(zega::training::to_string(e)) == e);
  CHECK_FALSE(zega::training::element_from_string("poem").has_value());
}
