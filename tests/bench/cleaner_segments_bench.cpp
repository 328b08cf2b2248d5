// cleaner_segments_bench: one log-cleaner pass over a partition of many
// small segments — the case that used to hold a descriptor per segment for
// the whole pass — step by step, with the descriptors open at its peak and
// the directory fsyncs of the swap on the io thread (FORMAT.md, "Swapping in
// a cleaned segment").
//   cleaner_segments_bench [--dir DIR] [--segments N] [--keys K] [--merge-bytes B]
// Writes N segments (default 2000) of one ~700-byte batch each (segment.bytes
// 1 KiB) over K keys (default 20), then cleans with segment.bytes B (default
// 64 KiB), so the pass merges them, timing plan, work, swap and release.
#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "../unit/broker/batch_builder.hpp"
#include "broker/storage/clean_job.hpp"
#include "broker/storage/partition_log.hpp"

using namespace ftgo::broker::storage;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

int open_fds() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d)) ++n;
    ::closedir(d);
  }
  return n - 3;  // ".", ".." and the directory's own descriptor
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  fs::path root = fs::temp_directory_path() / ("ftgo-cleaner-segments-bench-" + std::to_string(::getpid()));
  int segments = 2000, keys = 20;
  std::uint64_t merge_bytes = 64 << 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--dir")) root = argv[i + 1];
    else if (!std::strcmp(argv[i], "--segments")) segments = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--keys")) keys = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--merge-bytes")) merge_bytes = std::stoull(argv[i + 1]);
  }
  fs::path dir = root / "p";
  fs::remove_all(dir);
  LogOptions opt;
  opt.segment_bytes = 1024;
  opt.cleanup_compact = true;
  opt.cleanup_delete = false;
  opt.min_cleanable_dirty_ratio = 0;
  PartitionLog log(dir, opt);
  for (int i = 0; i < segments; ++i) {
    ftgo::test::BatchBuilder b;
    b.timestamp(1'700'000'000'000 + i).add("key-" + std::to_string(i % keys), std::string(600, 'v'));
    std::string batch = b.build();
    log.append(ftgo::test::as_span(batch));
  }
  log.flush();
  opt.segment_bytes = merge_bytes;
  log.set_options(opt);
  std::size_t count = 0;
  DirOpObserver observer = [&](std::string_view op, const fs::path&) { count += op == "fsync"; };
  const int base_fds = open_fds();
  auto t0 = Clock::now();
  auto job = log.plan_clean(1'700'000'000'000);
  double plan = ms_since(t0);
  // The descriptors open during the work, sampled from another thread.
  std::atomic<bool> running{true};
  std::atomic<int> peak{0};
  std::thread sampler([&] {
    while (running) {
      peak = std::max(peak.load(), open_fds() - base_fds);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  auto t1 = Clock::now();
  run_clean_job(*job);
  double run = ms_since(t1);
  running = false;
  sampler.join();
  set_dir_op_observer(&observer);
  auto t2 = Clock::now();
  CleanStats st = log.finish_clean(*job);
  double finish = ms_since(t2);
  set_dir_op_observer(nullptr);
  auto t3 = Clock::now();
  const std::size_t retired = job->retired.size();
  job.reset();
  double release = ms_since(t3);
  std::printf("pass over %d segments (%d keys): %zu rewritten, %zu removed, %lld records removed\n", segments, keys,
              st.segments_rewritten, st.segments_removed, static_cast<long long>(st.records_removed));
  std::printf("  descriptors: the log holds %d; the work step at most %d more (sampled every 0.2 ms)\n", base_fds,
              peak.load());
  std::printf("  io thread: plan %.2f ms, swap %.2f ms (%zu directory fsyncs); cleaner thread: work %.1f ms, "
              "release of %zu replaced segments %.2f ms\n",
              plan, finish, count, run, retired, release);
  fs::remove_all(root);
  return 0;
}
