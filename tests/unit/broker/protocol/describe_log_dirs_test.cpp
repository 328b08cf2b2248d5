// DescribeLogDirs (key 35): the v1 codec against hand-written bytes and the
// handler through Broker::dispatch (all topics, named ones, unknown ones left out).
#include <catch2/catch.hpp>

#include "broker/protocol/describe_log_dirs.hpp"
#include "wire.hpp"

using namespace ftgo::broker::protocol;
using ftgo::test::BrokerFixture;
using ftgo::test::hex;
using ftgo::test::make_batch;
using ftgo::test::reader_of;
using ftgo::test::s16;
using ftgo::test::to_hex;

namespace {
// A v1 response of one directory -> (dir, [(topic, partition, size)]).
std::pair<std::string, std::vector<std::tuple<std::string, std::int32_t, std::int64_t>>> result(std::string data) {
  auto r = reader_of(data);
  r.i32();
  REQUIRE(r.i32() == 1);
  REQUIRE(r.i16() == 0);
  std::string dir = r.string();
  std::vector<std::tuple<std::string, std::int32_t, std::int64_t>> out;
  for (std::int32_t nt = r.i32(); nt > 0; --nt) {
    std::string topic = r.string();
    for (std::int32_t np = r.i32(); np > 0; --np) {
      std::int32_t p = r.i32();
      std::int64_t size = r.i64();
      CHECK(r.i64() == 0);
      CHECK_FALSE(r.boolean());
      out.emplace_back(topic, p, size);
    }
  }
  CHECK(r.empty());
  return {dir, out};
}
}  // namespace

TEST_CASE("DescribeLogDirs: v1 request and response", "[broker][codec]") {
  std::string bytes = hex("00000001") + s16("t") + hex("00000002 00000000 00000001");
  auto r = reader_of(bytes);
  auto req = decode_describe_log_dirs_request(r, 1);
  REQUIRE(req.topics.has_value());
  CHECK(req.topics->at(0).name == "t");
  CHECK(req.topics->at(0).partitions == std::vector<std::int32_t>{0, 1});
  std::string all = hex("ffffffff");
  r = reader_of(all);
  CHECK_FALSE(decode_describe_log_dirs_request(r, 1).topics.has_value());

  DescribeLogDirsResponse resp;
  resp.results.push_back({0, "/d", {{"t", {{0, 152, 0, false}}}}});
  Writer w;
  encode_describe_log_dirs_response(w, resp, 1);
  CHECK(to_hex(w.take()) == to_hex(hex("00000000 00000001 0000") + s16("/d") + hex("00000001") + s16("t") +
                                   hex("00000001 00000000 0000000000000098 0000000000000000 00")));
}

TEST_CASE("DescribeLogDirs gives each partition's size in the one log directory", "[broker][protocol]") {
  BrokerFixture f(2);
  f.auto_create("t");
  std::string records = make_batch("k", "v");
  f.call(api_key::produce, 3, hex("ffff ffff 00001388 00000001") + s16("t") + hex("00000001 00000001") +
                                  ftgo::test::be32(static_cast<std::uint32_t>(records.size())) + records);
  auto size = static_cast<std::int64_t>(records.size());
  using Rows = std::vector<std::tuple<std::string, std::int32_t, std::int64_t>>;
  auto all = result(f.call(api_key::describe_log_dirs, 1, hex("ffffffff")).value());
  CHECK(all.first == (std::filesystem::absolute(f.broker->store().data_dir()) / "topics").string());
  CHECK(all.second == Rows{{"t", 0, 0}, {"t", 1, size}});
  auto some = result(f.call(api_key::describe_log_dirs, 1,
                            hex("00000002") + s16("t") + hex("00000002 00000001 00000005") + s16("nope") +
                                hex("00000001 00000000"))
                         .value());
  CHECK(some.second == Rows{{"t", 1, size}});
}
