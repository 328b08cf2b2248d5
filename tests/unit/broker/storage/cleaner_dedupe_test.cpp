// The log cleaner with a dedupe buffer too small for the dirty records: a
// pass maps up to its clean_end, and the batches from there on are not
// cleaned at all (Kafka's LogCleaner retains a record past the map's latest
// offset as it is) — in particular a tombstone there gets no delete horizon
// and is never dropped while the older values of its key stay.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "broker/storage/log_cleaner.hpp"
#include "cleaner_test_util.hpp"
#include "log_test_util.hpp"

using namespace ftgo::broker;
using namespace ftgo::broker::storage;
using namespace ftgo::test;

namespace {

// The value of `key` a consumer reading the whole log ends with (nullopt: deleted or never written).
std::optional<std::string> last_value(const std::vector<Rec>& all, const std::string& key) {
  std::optional<std::string> v;
  for (const Rec& r : all)
    if (r.key == key) v = r.value;
  return v;
}

}  // namespace

TEST_CASE("a tombstone past a pass's clean_end is not dropped before the older values of its key",
          "[broker][storage][compact][cleaner]") {
  TempDir tmp;
  LogOptions o = compact_options();
  o.delete_retention_ms = 1000;
  o.cleaner_dedupe_buffer_bytes = 2 * (1 + 48);  // two keys of one byte
  PartitionLog log(tmp.path() / "p", o);
  const std::string pad(700, 'x');
  // One closed segment: K@0, Z@1, Y@2, W@3, K's tombstone @4; then the active one.
  append_copy(log, BatchBuilder().timestamp(k_now - 5000).add("K", "v" + pad).build());
  for (const char* key : {"Z", "Y", "W"}) append_copy(log, BatchBuilder().timestamp(k_now - 5000).add(key, pad).build());
  append_copy(log, BatchBuilder().timestamp(k_now - 4000).add("K", std::nullopt).build());
  append_copy(log, BatchBuilder().timestamp(k_now - 3000).add("P", pad + pad + pad).build());
  REQUIRE(log.segment_count() == 2);
  REQUIRE_FALSE(last_value(read_all(log), "K"));

  // Maps K@0 and Z@1 only (clean_end 2): the tombstone @4 is past what it mapped.
  REQUIRE(log.clean(k_now).ran);
  CHECK(log.cleaner_checkpoint() == 2);
  CHECK_FALSE(last_value(read_all(log), "K"));
  // Past the horizon the first pass would have given the tombstone: maps Y@2
  // and W@3 only (clean_end 4), so K@0 is not known to be superseded.
  REQUIRE(log.clean(k_now + 2000).ran);
  CHECK(log.cleaner_checkpoint() == 4);
  CHECK_FALSE(last_value(read_all(log), "K"));  // the deleted key does not come back
  // The passes after map the tombstone: K@0 goes, then the tombstone.
  for (int i = 0; i < 4 && log.cleaner_checkpoint() < 5; ++i) log.clean(k_now + 2000);
  CHECK_FALSE(last_value(read_all(log), "K"));
  log.clean(k_now + 10'000);
  auto all = read_all(log);
  CHECK_FALSE(last_value(all, "K"));
  CHECK(std::none_of(all.begin(), all.end(), [](const Rec& r) { return r.key == "K" && r.value; }));
}
