#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>

#include "events/connection_watch.hpp"

using ftgo::events::detail::ConnectionWatch;

namespace {

// A memory stream the watch writes to; text() reads what it wrote so far.
class Capture {
 public:
  Capture() : m_file(open_memstream(&m_buf, &m_size)) {}
  ~Capture() {
    std::fclose(m_file);
    std::free(m_buf);
  }
  std::FILE* file() { return m_file; }
  std::string text() {
    std::fflush(m_file);
    return std::string(m_buf, m_size);
  }

 private:
  char* m_buf = nullptr;
  size_t m_size = 0;
  std::FILE* m_file;
};

std::string stats(const std::string& state) {
  return R"({"brokers":{"127.0.0.1:9/bootstrap":{"source":"configured","state":")" + state +
         R"("},"GroupCoordinator":{"source":"logical","state":"UP"}}})";
}

}  // namespace

TEST_CASE("a lost broker is reported once, and once when it is back", "[events]") {
  Capture out;
  ConnectionWatch watch("127.0.0.1:9", out.file());
  watch.on_stats(stats("UP"));
  CHECK(out.text().empty());
  for (int i = 0; i < 5; ++i) {
    watch.on_error(RD_KAFKA_RESP_ERR__TRANSPORT, "127.0.0.1:9/1: Connect failed: Connection refused");
    watch.on_error(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, "1/1 brokers are down");
    watch.on_stats(stats("CONNECT"));
  }
  CHECK(watch.down());
  CHECK(out.text() ==
        "ftgo: warning: lost connection to Kafka at 127.0.0.1:9: 127.0.0.1:9/1: Connect failed: Connection refused; "
        "retrying\n");
  watch.on_stats(stats("UP"));
  watch.on_stats(stats("UP"));
  CHECK_FALSE(watch.down());
  CHECK(out.text().substr(out.text().find('\n') + 1) == "ftgo: connected to Kafka at 127.0.0.1:9 again\n");
}

TEST_CASE("a single dropped connection is not a lost broker", "[events]") {
  Capture out;
  ConnectionWatch watch("127.0.0.1:9", out.file());
  watch.on_stats(stats("UP"));
  watch.on_error(RD_KAFKA_RESP_ERR__TRANSPORT, "disconnected");
  CHECK_FALSE(watch.down());
  CHECK(out.text().empty());
}

TEST_CASE("statistics alone notice a broker that went away, but not before one was ever up", "[events]") {
  Capture out;
  ConnectionWatch watch("127.0.0.1:9", out.file());
  watch.on_stats(stats("INIT"));
  CHECK_FALSE(watch.down());
  watch.on_stats(stats("UP"));
  watch.on_stats(stats("DOWN"));
  CHECK(watch.down());
  CHECK(out.text() == "ftgo: warning: lost connection to Kafka at 127.0.0.1:9: no broker answers; retrying\n");
  watch.on_stats("not json");
  CHECK(watch.down());
}

TEST_CASE("a broker that never answered is 'cannot reach', then 'connected'", "[events]") {
  Capture out;
  ConnectionWatch watch("127.0.0.1:9", out.file());
  watch.mark_down("no broker answered within 5s");
  watch.mark_down("no broker answered within 1s");
  watch.mark_up();
  CHECK(out.text() ==
        "ftgo: warning: cannot reach Kafka at 127.0.0.1:9: no broker answered within 5s; retrying\n"
        "ftgo: connected to Kafka at 127.0.0.1:9\n");
}
