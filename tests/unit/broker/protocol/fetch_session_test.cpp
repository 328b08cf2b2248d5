// Fetch v11 with sessions (KIP-227) through Broker::dispatch: full fetches
// create sessions, incremental ones add, update and forget partitions and are
// answered with the partitions that changed only; epoch errors; epoch -1;
// a topic deleted under a session; sessionless fetches as before.
#include <catch2/catch.hpp>
#include <map>

#include "broker/protocol/api.hpp"
#include "broker/protocol/codec.hpp"
#include "broker/protocol/errors.hpp"
#include "wire.hpp"

using namespace ftgo::broker::protocol;
using ftgo::test::be32;
using ftgo::test::be64;
using ftgo::test::BrokerFixture;
using ftgo::test::hex;
using ftgo::test::make_batch;
using ftgo::test::s16;

namespace {
struct Part {
  std::string topic;
  std::int32_t partition;
  std::int64_t offset;
};
struct Forget {
  std::string topic;
  std::vector<std::int32_t> partitions;
};

// A Fetch v11 body.
std::string fetch_v11(std::int32_t session, std::int32_t epoch, const std::vector<Part>& parts,
                      const std::vector<Forget>& forget = {}, std::int32_t max_wait_ms = 0) {
  std::string b = hex("ffffffff") + be32(max_wait_ms) + hex("00000001 00100000 00") + be32(session) + be32(epoch);
  b += be32(static_cast<std::uint32_t>(parts.size()));  // one topic entry per partition: allowed
  for (const auto& p : parts) {
    b += s16(p.topic) + hex("00000001") + be32(p.partition) + hex("ffffffff") + be64(p.offset) +
         hex("ffffffffffffffff 00100000");
  }
  b += be32(static_cast<std::uint32_t>(forget.size()));
  for (const auto& f : forget) {
    b += s16(f.topic) + be32(static_cast<std::uint32_t>(f.partitions.size()));
    for (auto i : f.partitions) b += be32(i);
  }
  return b + s16("");
}

struct PartAnswer {
  std::int16_t error;
  std::int64_t high_watermark;
  std::size_t record_bytes;
};
struct FetchAnswer {
  std::int16_t error = 0;
  std::int32_t session = 0;
  std::map<std::string, PartAnswer> parts;  // "topic-partition"
};

FetchAnswer decode(std::optional<std::string> data) {
  REQUIRE(data.has_value());
  Reader r(reinterpret_cast<std::uint8_t*>(data->data()), data->size());
  FetchAnswer a;
  r.i32();  // throttle
  a.error = r.i16();
  a.session = r.i32();
  std::int32_t nt = r.i32();
  for (std::int32_t t = 0; t < nt; ++t) {
    std::string name = r.string();
    std::int32_t np = r.i32();
    for (std::int32_t i = 0; i < np; ++i) {
      std::int32_t index = r.i32();
      PartAnswer p;
      p.error = r.i16();
      p.high_watermark = r.i64();
      r.i64();  // last stable offset
      r.i64();  // log start offset
      std::int32_t aborted = r.i32();
      for (std::int32_t k = 0; k < aborted; ++k) r.skip(16);
      r.i32();  // preferred read replica
      p.record_bytes = r.bytes().size();
      a.parts[name + "-" + std::to_string(index)] = p;
    }
  }
  CHECK(r.empty());
  return a;
}

void produce(BrokerFixture& f, const std::string& topic, std::int32_t partition) {
  std::string records = make_batch("k", "v");
  f.call(api_key::produce, 3,
         hex("ffff ffff 00001388 00000001") + s16(topic) + hex("00000001") + be32(partition) +
             be32(static_cast<std::uint32_t>(records.size())) + records);
}

FetchAnswer fetch(BrokerFixture& f, std::int32_t session, std::int32_t epoch, const std::vector<Part>& parts,
                  const std::vector<Forget>& forget = {}) {
  return decode(f.call(api_key::fetch, 11, fetch_v11(session, epoch, parts, forget)));
}

std::vector<std::string> keys(const FetchAnswer& a) {
  std::vector<std::string> out;
  for (const auto& [k, v] : a.parts) out.push_back(k);
  return out;
}
using Keys = std::vector<std::string>;
}  // namespace

TEST_CASE("a full fetch creates a session; incremental fetches answer only what changed", "[broker][protocol][fetch_sessions]") {
  BrokerFixture f(3);
  f.auto_create("t");
  produce(f, "t", 0);
  FetchAnswer full = fetch(f, 0, 0, {{"t", 0, 0}, {"t", 1, 0}, {"t", 2, 0}});
  CHECK(full.error == error::none);
  REQUIRE(full.session != 0);
  CHECK(keys(full) == Keys{"t-0", "t-1", "t-2"});
  CHECK(full.parts["t-0"].record_bytes > 0);
  const std::int32_t id = full.session;

  // The client moves t-0 on to offset 1: nothing is new anywhere.
  FetchAnswer quiet = fetch(f, id, 1, {{"t", 0, 1}});
  CHECK(quiet.error == error::none);
  CHECK(quiet.session == id);
  CHECK(quiet.parts.empty());

  // A record in t-2: only t-2 is answered, with it.
  produce(f, "t", 2);
  FetchAnswer news = fetch(f, id, 2, {});
  CHECK(keys(news) == Keys{"t-2"});
  CHECK(news.parts["t-2"].high_watermark == 1);
  CHECK(news.parts["t-2"].record_bytes > 0);

  // The client moves t-2 on to offset 1: nothing new again.
  FetchAnswer after = fetch(f, id, 3, {{"t", 2, 1}});
  CHECK(after.parts.empty());
  CHECK(f.broker->fetch_sessions().stats().incremental == 3);
}

TEST_CASE("an incremental fetch adds partitions and forgets others", "[broker][protocol][fetch_sessions]") {
  BrokerFixture f(3);
  f.auto_create("t");
  FetchAnswer full = fetch(f, 0, 0, {{"t", 0, 0}});
  REQUIRE(full.session != 0);
  // t-1 is new to the session: answered once, with its state.
  FetchAnswer add = fetch(f, full.session, 1, {{"t", 1, 0}}, {{"t", {0}}});
  CHECK(keys(add) == Keys{"t-1"});
  CHECK(add.parts["t-1"].high_watermark == 0);
  // t-0 was forgotten: a record there is not answered; one in t-1 is.
  produce(f, "t", 0);
  produce(f, "t", 1);
  FetchAnswer next = fetch(f, full.session, 2, {});
  CHECK(keys(next) == Keys{"t-1"});
  // Forgetting the last partition closes the session: answered sessionless.
  FetchAnswer last = fetch(f, full.session, 3, {}, {{"t", {1}}});
  CHECK(last.session == 0);
  CHECK(f.broker->fetch_sessions().get(full.session) == nullptr);
}

TEST_CASE("a wrong epoch is INVALID_FETCH_SESSION_EPOCH and an unknown id FETCH_SESSION_ID_NOT_FOUND", "[broker][protocol][fetch_sessions]") {
  BrokerFixture f(1);
  f.auto_create("t");
  FetchAnswer full = fetch(f, 0, 0, {{"t", 0, 0}});
  REQUIRE(full.session != 0);
  for (std::int32_t epoch : {2, 7}) {
    FetchAnswer bad = fetch(f, full.session, epoch, {{"t", 0, 0}});
    CHECK(bad.error == error::invalid_fetch_session_epoch);
    CHECK(bad.session == 0);
    CHECK(bad.parts.empty());
  }
  FetchAnswer unknown = fetch(f, full.session ^ 0x10000, 1, {{"t", 0, 0}});
  CHECK(unknown.error == error::fetch_session_id_not_found);
  CHECK(unknown.parts.empty());
  // The session is intact: its expected epoch did not move.
  CHECK(fetch(f, full.session, 1, {}).error == error::none);
  CHECK(fetch(f, full.session, 1, {}).error == error::invalid_fetch_session_epoch);  // replayed
  CHECK(f.broker->fetch_sessions().stats().session_errors == 4);
}

TEST_CASE("epoch -1 closes a session and answers sessionless; epoch 0 with an id replaces it", "[broker][protocol][fetch_sessions]") {
  BrokerFixture f(2);
  f.auto_create("t");
  FetchAnswer full = fetch(f, 0, 0, {{"t", 0, 0}, {"t", 1, 0}});
  REQUIRE(full.session != 0);

  FetchAnswer renewed = fetch(f, full.session, 0, {{"t", 0, 0}});
  REQUIRE(renewed.session != 0);
  CHECK(renewed.session != full.session);
  CHECK(fetch(f, full.session, 1, {}).error == error::fetch_session_id_not_found);

  FetchAnswer closed = fetch(f, renewed.session, -1, {{"t", 0, 0}, {"t", 1, 0}});
  CHECK(closed.error == error::none);
  CHECK(closed.session == 0);
  CHECK(keys(closed) == Keys{"t-0", "t-1"});
  CHECK(fetch(f, renewed.session, 1, {}).error == error::fetch_session_id_not_found);
  CHECK(f.broker->fetch_sessions().size() == 0);
}

TEST_CASE("sessionless fetches (id 0, epoch -1) answer every partition and create no session", "[broker][protocol][fetch_sessions]") {
  BrokerFixture f(2);
  f.auto_create("t");
  for (int i = 0; i < 2; ++i) {
    FetchAnswer a = fetch(f, 0, -1, {{"t", 0, 0}, {"t", 1, 0}});
    CHECK(a.session == 0);
    CHECK(keys(a) == Keys{"t-0", "t-1"});
  }
  CHECK(f.broker->fetch_sessions().size() == 0);
  CHECK(f.broker->fetch_sessions().stats().created == 0);
}

TEST_CASE("with no room in the cache a full fetch is answered with session id 0", "[broker][protocol][fetch_sessions]") {
  BrokerFixture f(1);
  f.auto_create("t");
  f.broker->fetch_sessions() = ftgo::broker::FetchSessionCache({0, 120000});
  FetchAnswer a = fetch(f, 0, 0, {{"t", 0, 0}});
  CHECK(a.error == error::none);
  CHECK(a.session == 0);
  CHECK(keys(a) == Keys{"t-0"});
}

TEST_CASE("an error is answered every time, and the partition again once it is gone", "[broker][protocol][fetch_sessions]") {
  BrokerFixture f(1);
  f.auto_create("t");
  FetchAnswer full = fetch(f, 0, 0, {{"t", 0, 0}});
  REQUIRE(full.session != 0);
  // The client asks for offset 5 of an empty partition.
  FetchAnswer e1 = fetch(f, full.session, 1, {{"t", 0, 5}});
  CHECK(e1.parts["t-0"].error == error::offset_out_of_range);
  FetchAnswer e2 = fetch(f, full.session, 2, {});
  CHECK(e2.parts["t-0"].error == error::offset_out_of_range);
  FetchAnswer ok = fetch(f, full.session, 3, {{"t", 0, 0}});
  CHECK(keys(ok) == Keys{"t-0"});  // same high watermark as before the error, but answered
  CHECK(ok.parts["t-0"].error == error::none);
  CHECK(fetch(f, full.session, 4, {}).parts.empty());
}

TEST_CASE("a topic deleted while in a session is reported, even when created again meanwhile", "[broker][protocol][fetch_sessions]") {
  BrokerFixture f(1);
  f.auto_create("t");
  f.auto_create("u");
  produce(f, "t", 0);
  FetchAnswer full = fetch(f, 0, 0, {{"t", 0, 1}, {"u", 0, 0}});
  REQUIRE(full.session != 0);
  CHECK(fetch(f, full.session, 1, {}).parts.empty());

  f.call(api_key::delete_topics, 1, hex("00000001") + s16("t") + hex("00001388"));
  f.auto_create("t");  // created again, empty: offset 1 is now past its end
  FetchAnswer gone = fetch(f, full.session, 2, {});
  CHECK(keys(gone) == Keys{"t-0"});
  CHECK(gone.parts["t-0"].error == error::unknown_topic_or_partition);
  FetchAnswer now = fetch(f, full.session, 3, {});
  CHECK(keys(now) == Keys{"t-0"});
  CHECK(now.parts["t-0"].error == error::offset_out_of_range);  // the new topic, at offset 1
  FetchAnswer reset = fetch(f, full.session, 4, {{"t", 0, 0}});
  CHECK(keys(reset) == Keys{"t-0"});
  CHECK(reset.parts["t-0"].error == error::none);
  CHECK(reset.parts["t-0"].high_watermark == 0);

  // Deleted and not created again: UNKNOWN_TOPIC_OR_PARTITION on every fetch.
  f.call(api_key::delete_topics, 1, hex("00000001") + s16("t") + hex("00001388"));
  for (std::int32_t epoch : {5, 6}) {
    FetchAnswer missing = fetch(f, full.session, epoch, {});
    CHECK(keys(missing) == Keys{"t-0"});
    CHECK(missing.parts["t-0"].error == error::unknown_topic_or_partition);
  }
}

TEST_CASE("a parked incremental fetch wakes for its session's partitions and answers the one with data", "[broker][protocol][fetch_sessions]") {
  BrokerFixture f(3);
  f.auto_create("t");
  FetchAnswer full = fetch(f, 0, 0, {{"t", 0, 0}, {"t", 1, 0}, {"t", 2, 0}});
  REQUIRE(full.session != 0);
  std::optional<std::string> parked;
  {
    // Names no partition: it waits on all three of the session.
    std::string frame = ftgo::test::request_frame(api_key::fetch, 11, 1, "c", fetch_v11(full.session, 1, {}, {}, 60000));
    Reader r(reinterpret_cast<std::uint8_t*>(frame.data()), frame.size());
    Request req;
    req.header = decode_request_header_prefix(r);
    f.broker->dispatch(req, r, [&](std::optional<Writer> w) {
      if (w) parked = w->take().substr(Writer::k_frame_header_bytes);
    });
  }
  f.io.poll();
  CHECK_FALSE(parked.has_value());
  produce(f, "t", 1);
  f.io.poll();
  FetchAnswer a = decode(parked);
  CHECK(a.session == full.session);
  CHECK(keys(a) == Keys{"t-1"});
  CHECK(a.parts["t-1"].record_bytes > 0);
}

TEST_CASE("Fetch below v7 ignores sessions", "[broker][protocol][fetch_sessions]") {
  BrokerFixture f(1);
  f.auto_create("t");
  std::string v4 = hex("ffffffff 00000000 00000001 00100000 00 00000001") + s16("t") + hex("00000001 00000000") +
                   be64(0) + hex("00100000");
  CHECK(f.call(api_key::fetch, 4, v4).has_value());
  CHECK(f.broker->fetch_sessions().size() == 0);
}
