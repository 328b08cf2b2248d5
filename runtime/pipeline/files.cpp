#include "pipeline/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>

#include "util/error.hpp"

namespace ftgo::pipeline {

namespace fs = std::filesystem;

void write_file_atomic(const fs::path& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) throw failure("create directory", path.parent_path().string(), ec.message());
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      fs::remove(tmp, ec);
      throw failure("write file", tmp.string(), "write failed");
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw failure("write file", path.string(), ec.message());
  }
}

void append_line(const fs::path& path, const std::string& line) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw failure("append to file", path.string(), std::strerror(errno));
  std::string data = line + "\n";
  ssize_t n = write(fd, data.data(), data.size());
  int err = errno;
  fsync(fd);
  close(fd);
  if (n != static_cast<ssize_t>(data.size())) throw failure("append to file", path.string(), std::strerror(err));
}

std::string now_iso8601() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

std::string display_path(const fs::path& path, const fs::path& base) {
  auto rel = path.lexically_relative(base);
  if (!rel.empty() && *rel.begin() != "..") return rel.string();
  return path.string();
}

}  // namespace ftgo::pipeline
