// The log cleaner and transactions: an aborted transaction's records never
// supersede committed ones, and nothing from the last stable offset on is
// cleaned (an open transaction may still abort).
#include <catch2/catch.hpp>

#include <algorithm>

#include "broker/storage/log_cleaner.hpp"
#include "cleaner_test_util.hpp"
#include "log_test_util.hpp"

using namespace ftgo::broker;
using namespace ftgo::broker::storage;
using namespace ftgo::test;

namespace {

constexpr std::int16_t k_transactional = 0x10;

// offset 0: k = "committed"; offset 1: k = "aborted", in a transaction of
// producer 7 that aborted; then fill()'s records (other keys) over several segments.
void write(PartitionLog& log) {
  REQUIRE(append_copy(log, BatchBuilder().timestamp(k_now).add("k", "committed").build()).error == AppendError::none);
  REQUIRE(append_copy(log, BatchBuilder().timestamp(k_now).producer(7, 0, 0).attributes(k_transactional).add("k", "aborted").build())
              .error == AppendError::none);
  fill(log);
}

bool has(const std::vector<Rec>& recs, std::int64_t offset) {
  return std::any_of(recs.begin(), recs.end(), [&](const Rec& r) { return r.offset == offset; });
}

}  // namespace

TEST_CASE("an aborted transaction's record does not supersede the committed one before it",
          "[broker][storage][compact]") {
  TempDir tmp;
  CleanTxns txns;
  txns.aborted.push_back({7, 1, 1});
  PartitionLog log(tmp.path() / "t", compact_options());
  write(log);
  REQUIRE(log.clean(k_now, CleanStep::none, &txns).ran);
  auto after = read_all(log);
  CHECK(has(after, 0));  // what a read_committed consumer reads for k
  CHECK(has(after, 1));  // kept as it is (the consumer skips it)

  PartitionLog blind(tmp.path() / "b", compact_options());  // without the aborted list
  write(blind);
  REQUIRE(blind.clean(k_now).ran);
  CHECK_FALSE(has(read_all(blind), 0));
}

TEST_CASE("nothing from the last stable offset on is cleaned", "[broker][storage][compact]") {
  TempDir tmp;
  PartitionLog log(tmp.path() / "p", compact_options());
  write(log);  // suppose producer 7's transaction is still open: the LSO is 1
  const auto before = read_all(log);
  CleanTxns open;
  open.last_stable_offset = 1;
  CHECK_FALSE(log.clean(k_now, CleanStep::none, &open).ran);  // the first segment holds offset 1
  CHECK(read_all(log) == before);
  open.last_stable_offset = log.high_watermark();  // it committed
  CHECK(log.clean(k_now, CleanStep::none, &open).ran);
  CHECK_FALSE(has(read_all(log), 0));
  CHECK(has(read_all(log), 1));
}
