// compaction_bench: how long one log-cleaner pass takes, and how much of it
// is on the broker's io thread (plan and swap; the rest runs on the cleaner
// thread: clean_job.hpp). cleaner_stall_bench measures what clients see.
//   compaction_bench [--dir DIR] [--mb N] [--keys K]
// Writes ~N MB (default 64) of 100-byte records in batches of 100 over K keys
// (default 10000) to a compacted log with 16 MiB segments, then times one
// pass of the whole closed range, step by step, and a second pass with
// nothing to do.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "../unit/broker/batch_builder.hpp"
#include "broker/storage/clean_job.hpp"
#include "broker/storage/partition_log.hpp"

using namespace ftgo::broker::storage;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  fs::path root = fs::temp_directory_path() / ("ftgo-compaction-bench-" + std::to_string(::getpid()));
  std::uint64_t mb = 64;
  int keys = 10000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--dir")) root = argv[i + 1];
    else if (!std::strcmp(argv[i], "--mb")) mb = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--keys")) keys = std::stoi(argv[i + 1]);
  }
  fs::path dir = root / "p";
  fs::remove_all(dir);
  LogOptions opt;
  opt.segment_bytes = 16u << 20;
  opt.cleanup_compact = true;
  opt.cleanup_delete = false;
  PartitionLog log(dir, opt);
  std::int64_t written = 0;
  int k = 0;
  while (log.size_bytes() < mb * 1000 * 1000) {
    ftgo::test::BatchBuilder b;
    b.timestamp(1'700'000'000'000);
    for (int i = 0; i < 100; ++i, k = (k + 1) % keys) b.add("key-" + std::to_string(k), std::string(100, 'v'));
    std::string batch = b.build();
    log.append(ftgo::test::as_span(batch));
    written += 100;
  }
  log.flush();
  std::uint64_t before = log.size_bytes();
  auto since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  auto t0 = Clock::now();
  auto job = log.plan_clean(1'700'000'000'000);
  double plan = since(t0);
  auto t1 = Clock::now();
  run_clean_job(*job);
  double run = since(t1);
  auto t2 = Clock::now();
  CleanStats st = log.finish_clean(*job);
  double finish = since(t2);
  auto t3 = Clock::now();
  job.reset();  // closes the replaced segments' last descriptors (the broker does it on the cleaner thread)
  double release = since(t3);
  double secs = since(t0);
  std::printf("clean pass: %.1f MB of %lld records over %d keys, %zu segments -> %.1f MB, %lld records removed: "
              "%.2f s (%.1f MB/s)\n",
              before / 1e6, static_cast<long long>(written), keys, st.segments_rewritten + st.segments_removed,
              log.size_bytes() / 1e6, static_cast<long long>(st.records_removed), secs, before / secs / 1e6);
  std::printf("  io thread: plan %.3f ms + swap %.3f ms; cleaner thread: %.1f ms + %.1f ms to free the old files\n",
              plan * 1000, finish * 1000, run * 1000, release * 1000);
  t0 = Clock::now();
  st = log.clean(1'700'000'000'000);
  std::printf("second pass (nothing dirty): ran=%d, %.3f ms\n", st.ran ? 1 : 0,
              std::chrono::duration<double>(Clock::now() - t0).count() * 1000);
  fs::remove_all(root);
  return 0;
}
