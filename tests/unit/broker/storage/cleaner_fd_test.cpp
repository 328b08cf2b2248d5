// The log cleaner's descriptors: a pass over thousands of closed segments
// holds one input descriptor at a time (clean_job.hpp), under a low
// RLIMIT_NOFILE (cleaner_thread_test.cpp has the descriptors of the segments
// a swap replaces, which the job keeps).
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <string>

#include "broker/storage/clean_job.hpp"
#include "cleaner_test_util.hpp"
#include "log_test_util.hpp"

using namespace ftgo::broker;
using namespace ftgo::broker::storage;
using namespace ftgo::test;

namespace {

// The highest descriptor this process has open.
int highest_fd() {
  int high = 0;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) high = std::max(high, std::stoi(e.path().filename()));
  return high;
}

// Lowers the soft RLIMIT_NOFILE for its lifetime; restored after, even on failure.
class NofileLimit {
 public:
  explicit NofileLimit(rlim_t soft) {
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &m_saved) == 0);
    rlimit lowered = m_saved;
    lowered.rlim_cur = soft;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &lowered) == 0);
  }
  ~NofileLimit() { ::setrlimit(RLIMIT_NOFILE, &m_saved); }
  NofileLimit(const NofileLimit&) = delete;
  NofileLimit& operator=(const NofileLimit&) = delete;

 private:
  rlimit m_saved{};
};

// `n` closed segments of one batch each (segment.bytes 1 KiB, batches of
// ~700 bytes), over 20 keys.
void fill_segments(PartitionLog& log, int n) {
  for (int i = 0; i < n; ++i)
    REQUIRE(append_copy(log, BatchBuilder()
                                 .timestamp(k_now - 100'000 + i)
                                 .add("k" + std::to_string(i % 20), "v" + std::to_string(i) + std::string(600, 'x'))
                                 .build())
                .error == AppendError::none);
  REQUIRE(log.segment_count() == static_cast<std::size_t>(n));
}

}  // namespace

TEST_CASE("a pass over 2000 segments holds a bounded number of descriptors", "[broker][storage][compact][cleaner]") {
  rlimit lim{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &lim) == 0);
  // The log itself keeps one descriptor per segment open (segment.hpp).
  const int segments = lim.rlim_max == RLIM_INFINITY || lim.rlim_max > 4500 ? 2000 : static_cast<int>(lim.rlim_max / 2) - 100;
  REQUIRE(segments > 200);
  NofileLimit enough(std::max<rlim_t>(lim.rlim_cur, std::min<rlim_t>(lim.rlim_max, 2 * segments + 100)));
  TempDir tmp;
  fs::path dir = tmp.path() / "p";
  LogOptions o = compact_options();
  o.segment_bytes = 1024;
  std::vector<Rec> before, expected;
  std::int64_t end = 0;
  {
    PartitionLog log(dir, o);
    fill_segments(log, segments);
    before = read_all(log);
    end = active_base(dir);
    // Merged up to 64 KiB: groups of ~90 segments.
    o.segment_bytes = 64 << 10;
    log.set_options(o);
    CleanStats st;
    {
      // 64 descriptors more than now: far fewer than the segments.
      NofileLimit limit(static_cast<rlim_t>(highest_fd() + 1 + 64));
      REQUIRE_NOTHROW(st = log.clean(k_now));
    }
    REQUIRE(st.ran);
    expected = compacted(before, end);
    CHECK(read_all(log) == expected);
    CHECK(st.segments_removed > static_cast<std::size_t>(segments / 2));
    CHECK(log.segment_count() < static_cast<std::size_t>(segments / 20));
    CHECK(log.cleaner_checkpoint() == end);
  }
  PartitionLog reopened(dir, o);
  CHECK(read_all(reopened) == expected);
}
