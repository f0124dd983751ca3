// test_ode.cpp (being written)
#include <doctest/doctest.h>
TEST_CASE("placeholder ode") { CHECK(true); }
