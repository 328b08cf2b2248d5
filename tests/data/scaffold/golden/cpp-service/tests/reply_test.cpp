// Unit test of the reply logic (no Kafka needed): exits 1 on the first failure.
#include <cstdlib>
#include <iostream>

#include "reply.hpp"

namespace {

int g_failures = 0;

void check(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "FAILED: " << what << std::endl;
    ++g_failures;
  }
}

}  // namespace

int main() {
  using namespace order_service;
  Event in{"order-7", R"({"orderId":7})", { {"type", "OrderCreated"}, {"trace", "abc"} }};
  Event out = make_reply(in);
  check(out.value == R"({"type":"OrderServiceProcessed","source":{"orderId":7}})", "a JSON value is embedded");
  check(out.key == in.key, "the key is kept");
  check(out.headers.size() == 2 && out.headers[0] == std::pair<std::string, std::string>{"trace", "abc"},
        "headers are copied");
  check(out.headers.back() == std::pair<std::string, std::string>{"type", "OrderServiceProcessed"},
        "the type header names the reply");

  Event text = make_reply(Event{std::nullopt, "not json", {}});
  check(text.value == R"({"type":"OrderServiceProcessed","source":"not json"})", "text is embedded as a string");
  check(!text.key, "no key stays no key");

  Event empty = make_reply(Event{});
  check(empty.value == R"({"type":"OrderServiceProcessed","source":null})", "a null value gives null");

  if (g_failures == 0) std::cout << "reply: all checks passed" << std::endl;
  return g_failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
