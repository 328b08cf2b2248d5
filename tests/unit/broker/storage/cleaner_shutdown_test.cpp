// The broker's log cleaner cycle and shutdown (Broker::cancel_timers, the
// SIGTERM path): no pass may start once the timers are cancelled, even when
// the cleaner timer was already due.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <thread>

#include "broker/broker.hpp"
#include "broker/storage/store.hpp"
#include "cleaner_test_util.hpp"
#include "log_test_util.hpp"

using namespace ftgo::broker;
using namespace ftgo::broker::storage;
using namespace ftgo::test;

TEST_CASE("a cleaner timer already due when the broker stops starts no pass", "[broker][storage][compact]") {
  TempDir tmp;
  BrokerOptions opt;
  opt.data_dir = tmp.path() / "data";
  opt.port = 0;
  opt.log.fsync = FsyncPolicy::always;  // no flush timer
  opt.log_cleaner_backoff_ms = 1;
  boost::asio::io_context io(1);
  Broker broker(io, opt);
  broker.store().create_topic({"c", 1, {{"cleanup.policy", "compact"}, {"segment.bytes", "4096"},
                                        {"min.cleanable.dirty.ratio", "0"}, {"segment.ms", "-1"}}});
  PartitionLog& log = *broker.store().partition("c", 0);
  fill(log);
  const auto before = read_all(log);
  broker.start_timers();
  // The cleaner timer expires while the io thread is busy; the reactor then
  // queues its handler behind the stop (what a SIGTERM arriving at that
  // moment does): cancel() can no longer abort it, it runs with success.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  boost::asio::post(io, [&] { broker.cancel_timers(); });
  io.run();
  CHECK_FALSE(broker.cleaner_busy());
  CHECK(log.cleaner_checkpoint() == 0);
  CHECK(read_all(log) == before);
}
