// libFuzzer target: one request frame (after the 4-byte size) through the
// request header decoder, Broker::dispatch and every handler, against a
// Broker whose Store lives in a temporary directory. A DecodeError is the
// expected outcome for most inputs (the connection would be closed); any
// other exception, crash or sanitizer report is a finding.
//
//   CC=clang CXX=clang++ cmake -B build-fuzz -G Ninja -DFTGO_FUZZ=ON && cmake --build build-fuzz --target kafka_request_fuzzer
//   build-fuzz/kafka_request_fuzzer -max_total_time=300 -max_len=4096
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "broker/broker.hpp"
#include "broker/protocol/codec.hpp"

namespace {

struct State {
  std::filesystem::path dir;
  boost::asio::io_context io;
  std::unique_ptr<ftgo::broker::Broker> broker;

  State() {
    dir = std::filesystem::temp_directory_path() / ("ftgo-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    ftgo::broker::BrokerOptions opt;
    opt.data_dir = dir;
    opt.default_partitions = 2;
    opt.max_partitions = 4;
    broker = std::make_unique<ftgo::broker::Broker>(io, opt);
    // Fetches must not park: every fetch answers at once.
    broker->stop_waiting();
  }
  ~State() {
    broker.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

State& state() {
  static State s;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ftgo::broker::protocol;
  State& s = state();
  std::vector<std::uint8_t> frame(data, data + size);  // handlers may rewrite batches in place
  Reader r(frame.data(), frame.size());
  try {
    Request req;
    req.client_host = "127.0.0.1";
    req.header = decode_request_header_prefix(r);
    s.broker->dispatch(req, r, [](std::optional<Writer> w) {
      if (w && w->size() < Writer::k_frame_header_bytes) __builtin_trap();
    });
  } catch (const DecodeError&) {
  }
  s.io.poll();
  s.io.restart();
  return 0;
}
