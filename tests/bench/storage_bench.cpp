// storage_bench: append and read throughput of the broker's partition log.
//   storage_bench [--dir DIR] [--mb N] [--fsync-appends N]
// Appends ~N MB (default 256) of 100-byte and of 1 KiB records in ~16 KiB
// batches with FsyncPolicy::interval, reads them back as a consumer would
// (1 MiB fetches), then measures appends with FsyncPolicy::always, and the
// CRC-32C on its own. Prints MB/s and records/s for each.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "../unit/broker/batch_builder.hpp"
#include "broker/storage/partition_log.hpp"
#include "util/crc32c.hpp"

using namespace ftgo::broker::storage;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void report(const char* what, double secs, std::uint64_t bytes, std::uint64_t records, std::uint64_t calls) {
  std::printf("%-44s %8.1f MB/s %12.0f records/s %10.0f calls/s  (%.2f s)\n", what, bytes / secs / 1e6,
              records / secs, calls / secs, secs);
}

std::string batch_of(std::size_t value_size, std::size_t target, int& records) {
  records = static_cast<int>(std::max<std::size_t>(1, target / (value_size + 12)));
  return ftgo::test::make_batch(records, value_size);
}

void run_case(const fs::path& root, std::size_t value_size, std::uint64_t total_mb, int fsync_appends) {
  int records = 0;
  std::string batch = batch_of(value_size, 16 * 1024, records);
  auto span = ftgo::test::as_span(batch);
  std::uint64_t appends = total_mb * 1000 * 1000 / batch.size();
  char label[96];

  fs::path dir = root / ("v" + std::to_string(value_size));
  fs::remove_all(dir);
  LogOptions opt;
  opt.segment_bytes = 256u << 20;
  {
    PartitionLog log(dir, opt);
    auto t0 = Clock::now();
    for (std::uint64_t i = 0; i < appends; ++i)
      if (log.append(span).error != AppendError::none) std::abort();
    log.flush();
    double secs = seconds_since(t0);
    std::snprintf(label, sizeof label, "append %zuB x %d (%zu B batch), interval", value_size, records, batch.size());
    report(label, secs, appends * batch.size(), appends * records, appends);
  }
  {
    PartitionLog log(dir, opt);  // reopen: recovery of a cleanly closed log
    std::string out;
    out.reserve(2 << 20);
    auto t0 = Clock::now();
    std::uint64_t bytes = 0;
    std::int64_t offset = 0, end = log.high_watermark();
    while (offset < end) {
      out.clear();
      std::size_t n = log.read(offset, 1 << 20, out);
      if (n == 0) std::abort();
      bytes += n;
      // The next offset: after the last batch returned (the consumer's job).
      std::size_t pos = 0;
      std::int64_t next = offset;
      while (pos < n) {
        auto p = reinterpret_cast<const std::uint8_t*>(out.data() + pos);
        next = ftgo::broker::load_be64(p) + ftgo::broker::load_be32(p + 23) + 1;
        pos += 12 + static_cast<std::uint32_t>(ftgo::broker::load_be32(p + 8));
      }
      offset = next;
    }
    double secs = seconds_since(t0);
    std::snprintf(label, sizeof label, "read %zuB records, 1 MiB fetches", value_size);
    report(label, secs, bytes, static_cast<std::uint64_t>(end), 0);
  }
  fs::remove_all(dir);
  if (fsync_appends > 0) {
    opt.fsync = FsyncPolicy::always;
    PartitionLog log(dir, opt);
    auto t0 = Clock::now();
    for (int i = 0; i < fsync_appends; ++i)
      if (log.append(span).error != AppendError::none) std::abort();
    double secs = seconds_since(t0);
    std::snprintf(label, sizeof label, "append %zuB x %d, fsync always", value_size, records);
    report(label, secs, fsync_appends * batch.size(), static_cast<std::uint64_t>(fsync_appends) * records,
           static_cast<std::uint64_t>(fsync_appends));
  }
  fs::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  fs::path root = fs::temp_directory_path() / ("ftgo-storage-bench-" + std::to_string(::getpid()));
  std::uint64_t mb = 256;
  int fsync_appends = 300;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--dir")) root = fs::path(argv[i + 1]) / "ftgo-storage-bench";
    else if (!std::strcmp(argv[i], "--mb")) mb = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--fsync-appends")) fsync_appends = std::stoi(argv[i + 1]);
  }
  std::printf("storage_bench: %llu MB per case in %s\n", static_cast<unsigned long long>(mb), root.c_str());
  {
    std::string data(16 * 1024, 'x');
    const int n = 20000;
    std::uint32_t sink = 0;
    auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) sink += ftgo::util::crc32c(data.data(), data.size());
    report("crc32c 16 KiB", seconds_since(t0), std::uint64_t{n} * data.size(), 0, n);
    if (sink == 42) std::puts("");
  }
  run_case(root, 100, mb, fsync_appends);
  run_case(root, 1024, mb, fsync_appends);
  fs::remove_all(root);
  return 0;
}
