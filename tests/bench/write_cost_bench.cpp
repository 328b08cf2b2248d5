// write_cost_bench: what one KiB of produced data costs the CPU to keep, by
// where it is kept. The broker appends each batch to a segment file with
// pwrite, into page-cache pages that are new; librdkafka's mock cluster, the
// yardstick of broker_bench, copies it into malloc'd memory and frees its
// oldest message sets past a few MB, so it keeps writing into memory it has
// used before. This measures the four ways apart, on the calling thread's CPU
// clock (which includes the time a first touch of a page spends in the
// kernel and, on a VM, in the host backing it):
//   ring copy       memcpy into a reused 4 MiB ring (what the mock does)
//   fresh memory    memcpy into anonymous memory touched for the first time
//   file append     pwrite appending to a new file (what the broker does)
//   file overwrite  pwrite over pages of that file already in the page cache
// and two ways a broker could try to make its appends cheaper, measured on
// the appending thread only (their other costs are printed beside them):
//   zeros ahead     another thread keeps 8 MiB of zeros written ahead of the
//                   append point (Kafka's preallocate, done by writing), so
//                   the appends overwrite pages already in the cache
//   recycled        every 8 MiB the appender fdatasyncs and drops the pages
//                   more than 8 MiB behind (POSIX_FADV_DONTNEED), so the
//                   kernel hands freed pages back to the next appends
//   populated       the file is first extended past the appends (ftruncate)
//                   and read through, which fills the page cache with clean
//                   zero pages (what a broker could do ahead of its log end
//                   while idle); the appends then overwrite them. Its cost
//                   beside it: the read that populates
//   direct          O_DIRECT: each chunk copied into a reused, aligned 8 MiB
//                   ring and written from there in 1 MiB writes, past the
//                   page cache (the write path the broker would need to keep
//                   its memory as warm as the mock's); its wall time per KiB
//                   beside it, as the disk now sets the pace
// Usage: write_cost_bench [--dir DIR] [--mb N] [--runs N]
// Writes in 64 KiB calls (direct: 1 MiB); prints each run and the medians in µs per KiB.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr std::size_t k_chunk = 64 * 1024;
constexpr std::size_t k_ring = 4u << 20;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "write_cost_bench: %s\n", what.c_str());
  std::exit(1);
}

double thread_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

void write_all(int fd, const char* data, std::size_t size, off_t at, const fs::path& path) {
  while (size > 0) {
    ssize_t n = ::pwrite(fd, data, size, at);
    if (n <= 0) die("pwrite " + path.string() + ": " + std::strerror(errno));
    data += n;
    size -= static_cast<std::size_t>(n);
    at += n;
  }
}

struct Costs {
  double ring, fresh, append, overwrite;  // µs of CPU per KiB
  double ahead, ahead_helper;             // zeros ahead: the appender's, and the zeroing thread's
  double recycled, recycle_sync;          // recycled: the appends', and the syncs and drops
  double direct, direct_wall;             // O_DIRECT: CPU, and wall time
  double populated, populate;             // appends over read-in zero pages, and the reads
};

int open_new(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) die("open " + path.string() + ": " + std::strerror(errno));
  return fd;
}

// Appends `total` bytes while another thread writes zeros up to 8 MiB ahead.
// The appender waits for the zeros before it writes a chunk, so the two never
// write the same bytes at once.
void zeros_ahead(const fs::path& path, std::size_t total, const std::vector<char>& src, double& appender,
                 double& helper) {
  constexpr std::size_t k_ahead = 8u << 20, k_step = 1u << 20;
  int fd = open_new(path);
  std::atomic<std::size_t> appended{0}, zeroed{0};
  std::thread zeroer([&] {
    std::vector<char> zeros(k_step, 0);
    double t0 = thread_cpu_s();
    for (std::size_t o = 0; o < total; o += k_step) {
      while (o >= appended.load() + k_ahead) std::this_thread::yield();
      write_all(fd, zeros.data(), k_step, static_cast<off_t>(o), path);
      zeroed.store(o + k_step);
    }
    helper = thread_cpu_s() - t0;
  });
  double cpu = 0;
  for (std::size_t o = 0; o < total; o += k_chunk) {
    while (zeroed.load() < o + k_chunk) std::this_thread::yield();
    double t0 = thread_cpu_s();
    write_all(fd, src.data(), k_chunk, static_cast<off_t>(o), path);
    cpu += thread_cpu_s() - t0;
    appended.store(o + k_chunk);
  }
  zeroer.join();
  appender = cpu;
  ::close(fd);
  fs::remove(path);
}

// Appends `total` bytes, syncing and dropping from the cache what lies more
// than 8 MiB behind, every 8 MiB.
void recycled(const fs::path& path, std::size_t total, const std::vector<char>& src, double& appends,
              double& syncs) {
  constexpr std::size_t k_step = 8u << 20;
  int fd = open_new(path);
  appends = syncs = 0;
  for (std::size_t o = 0; o < total; o += k_chunk) {
    double t0 = thread_cpu_s();
    write_all(fd, src.data(), k_chunk, static_cast<off_t>(o), path);
    appends += thread_cpu_s() - t0;
    std::size_t end = o + k_chunk;
    if (end % k_step == 0 && end >= 2 * k_step) {
      t0 = thread_cpu_s();
      if (::fdatasync(fd) != 0) die("fdatasync " + path.string() + ": " + std::strerror(errno));
      ::posix_fadvise(fd, 0, static_cast<off_t>(end - k_step), POSIX_FADV_DONTNEED);
      syncs += thread_cpu_s() - t0;
    }
  }
  ::close(fd);
  fs::remove(path);
}

// Extends a new file to `total` bytes, reads it through (clean zero pages in
// the cache), then appends `total` bytes over them; `appends` and `reads` are
// CPU seconds.
void populated(const fs::path& path, std::size_t total, const std::vector<char>& src, double& appends,
               double& reads) {
  int fd = open_new(path);
  if (::ftruncate(fd, static_cast<off_t>(total)) != 0) die("ftruncate " + path.string() + ": " + std::strerror(errno));
  std::vector<char> buf(k_chunk);
  double t0 = thread_cpu_s();
  for (std::size_t o = 0; o < total; o += k_chunk)
    if (::pread(fd, buf.data(), k_chunk, static_cast<off_t>(o)) != static_cast<ssize_t>(k_chunk))
      die("pread " + path.string() + ": " + std::strerror(errno));
  reads = thread_cpu_s() - t0;
  t0 = thread_cpu_s();
  for (std::size_t o = 0; o < total; o += k_chunk) write_all(fd, src.data(), k_chunk, static_cast<off_t>(o), path);
  appends = thread_cpu_s() - t0;
  ::close(fd);
  fs::remove(path);
}

// Copies `total` bytes chunk by chunk into an aligned ring and writes it with
// O_DIRECT in 1 MiB writes; `cpu` and `wall` are in seconds.
void direct_io(const fs::path& path, std::size_t total, const std::vector<char>& src, double& cpu, double& wall) {
  constexpr std::size_t k_direct_ring = 8u << 20, k_write = 1u << 20;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0644);
  if (fd < 0) die("open O_DIRECT " + path.string() + ": " + std::strerror(errno));
  void* ring = nullptr;
  if (::posix_memalign(&ring, 4096, k_direct_ring) != 0) die("posix_memalign");
  std::memset(ring, 1, k_direct_ring);  // touched here, before the clock
  char* base = static_cast<char*>(ring);
  auto w0 = std::chrono::steady_clock::now();
  double t0 = thread_cpu_s();
  for (std::size_t o = 0; o < total; o += k_write) {
    char* at = base + o % k_direct_ring;
    for (std::size_t c = 0; c < k_write; c += k_chunk) std::memcpy(at + c, src.data(), k_chunk);
    write_all(fd, at, k_write, static_cast<off_t>(o), path);
  }
  cpu = thread_cpu_s() - t0;
  wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  std::free(ring);
  ::close(fd);
  fs::remove(path);
}

Costs run_once(const fs::path& dir, std::size_t total, const std::vector<char>& src) {
  const double kib = static_cast<double>(total) / 1024;
  Costs c{};

  std::vector<char> ring(k_ring, 1);  // touched here, before the clock
  double t0 = thread_cpu_s();
  for (std::size_t o = 0; o < total; o += k_chunk) std::memcpy(ring.data() + o % k_ring, src.data(), k_chunk);
  c.ring = (thread_cpu_s() - t0) * 1e6 / kib;

  void* mem = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) die(std::string("mmap: ") + std::strerror(errno));
  t0 = thread_cpu_s();
  for (std::size_t o = 0; o < total; o += k_chunk) std::memcpy(static_cast<char*>(mem) + o, src.data(), k_chunk);
  c.fresh = (thread_cpu_s() - t0) * 1e6 / kib;
  ::munmap(mem, total);

  fs::path path = dir / ("write-cost-" + std::to_string(::getpid()) + ".log");
  int fd = open_new(path);
  t0 = thread_cpu_s();
  for (std::size_t o = 0; o < total; o += k_chunk) write_all(fd, src.data(), k_chunk, static_cast<off_t>(o), path);
  c.append = (thread_cpu_s() - t0) * 1e6 / kib;
  t0 = thread_cpu_s();
  for (std::size_t o = 0; o < total; o += k_chunk) write_all(fd, src.data(), k_chunk, static_cast<off_t>(o), path);
  c.overwrite = (thread_cpu_s() - t0) * 1e6 / kib;
  ::close(fd);
  fs::remove(path);

  zeros_ahead(path, total, src, c.ahead, c.ahead_helper);
  recycled(path, total, src, c.recycled, c.recycle_sync);
  populated(path, total, src, c.populated, c.populate);
  direct_io(path, total, src, c.direct, c.direct_wall);
  for (double* v :
       {&c.ahead, &c.ahead_helper, &c.recycled, &c.recycle_sync, &c.populated, &c.populate, &c.direct, &c.direct_wall})
    *v = *v * 1e6 / kib;
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = fs::temp_directory_path();
  long mb = 256;
  int runs = 5;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--dir") dir = value();
    else if (a == "--mb") mb = std::atol(value().c_str());
    else if (a == "--runs") runs = std::atoi(value().c_str());
    else die("usage: write_cost_bench [--dir DIR] [--mb N] [--runs N]");
  }
  if (mb < 8 || runs < 1) die("--mb must be at least 8 and --runs at least 1");
  if (!fs::is_directory(dir)) die("--dir " + dir.string() + ": not a directory");
  const std::size_t total = static_cast<std::size_t>(mb) << 20;
  std::vector<char> src(k_chunk, 'x');

  std::vector<double> ring, fresh, append, overwrite, ahead, ahead_helper, recycle, recycle_sync, populate_appends,
      populate_reads, direct, direct_wall;
  std::printf("write_cost_bench: %ld MiB in 64 KiB writes, %d runs, files in %s (µs of CPU per KiB)\n", mb, runs,
              dir.c_str());
  const char* row = "%-6s %10.3f %13.3f %12.3f %15.3f %13.3f %13.3f %10.3f %12.3f %10.3f %8.3f %8.3f %8.3f\n";
  std::printf("%-6s %10s %13s %12s %15s %13s %13s %10s %12s %10s %8s %8s %8s\n", "run", "ring copy", "fresh memory",
              "file append", "file overwrite", "zeros ahead", "(zeroing)", "recycled", "(sync+drop)", "populated",
              "(read)", "direct", "(wall)");
  for (int r = 0; r < runs; ++r) {
    Costs c = run_once(dir, total, src);
    ring.push_back(c.ring);
    fresh.push_back(c.fresh);
    append.push_back(c.append);
    overwrite.push_back(c.overwrite);
    ahead.push_back(c.ahead);
    ahead_helper.push_back(c.ahead_helper);
    recycle.push_back(c.recycled);
    recycle_sync.push_back(c.recycle_sync);
    populate_appends.push_back(c.populated);
    populate_reads.push_back(c.populate);
    direct.push_back(c.direct);
    direct_wall.push_back(c.direct_wall);
    std::printf(row, std::to_string(r + 1).c_str(), c.ring, c.fresh, c.append, c.overwrite, c.ahead, c.ahead_helper,
                c.recycled, c.recycle_sync, c.populated, c.populate, c.direct, c.direct_wall);
  }
  std::printf(row, "median", median(ring), median(fresh), median(append), median(overwrite), median(ahead),
              median(ahead_helper), median(recycle), median(recycle_sync), median(populate_appends),
              median(populate_reads), median(direct), median(direct_wall));
  return 0;
}
