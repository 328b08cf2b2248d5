#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "supervisor/log_file.hpp"

using namespace ftgo::supervisor;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("ftgo-logfile-" + std::to_string(::getpid()) + "-" + std::to_string(rand()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};
std::string read(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
}  // namespace

TEST_CASE("the log rotates past its size and keeps the newest files", "[supervisor][logs]") {
  TempDir dir;
  fs::path log = dir.path / "logs" / "svc.log";
  {
    LogFile f(log, 10, 2);
    for (int i = 0; i < 5; ++i) f.write("line " + std::to_string(i) + "\n");  // 7 bytes each
  }
  CHECK(read(log) == "line 4\n");
  CHECK(read(log.string() + ".1") == "line 3\n");
  CHECK(read(log.string() + ".2") == "line 2\n");
  CHECK_FALSE(fs::exists(log.string() + ".3"));
}

TEST_CASE("tail reads the last lines across a rotation", "[supervisor][logs]") {
  TempDir dir;
  fs::path log = dir.path / "svc.log";
  {
    LogFile f(log, 7, 3);
    for (int i = 0; i < 6; ++i) f.write("l" + std::to_string(i) + "\n");
  }
  auto last = tail_lines(log, 4);
  CHECK(last == std::vector<std::string>{"l2", "l3", "l4", "l5"});
  CHECK(tail_lines(log, 0).empty());
  CHECK(tail_lines(dir.path / "none.log", 5).empty());
}

TEST_CASE("tail of a large file reads only its end", "[supervisor][logs]") {
  TempDir dir;
  fs::path log = dir.path / "big.log";
  {
    LogFile f(log);
    std::string batch;
    for (int i = 0; i < 50000; ++i) batch += "line number " + std::to_string(i) + "\n";
    f.write(batch);
  }
  auto last = tail_lines(log, 2);
  CHECK(last == std::vector<std::string>{"line number 49998", "line number 49999"});
}
