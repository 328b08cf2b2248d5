#include "supervisor/log_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>

namespace ftgo::supervisor {

namespace fs = std::filesystem;

LogFile::LogFile(fs::path path, uint64_t max_bytes, int keep)
    : m_path(std::move(path)), m_max_bytes(max_bytes), m_keep(keep) {
  open();
}

LogFile::~LogFile() {
  if (m_fd >= 0) ::close(m_fd);
}

void LogFile::open() {
  std::error_code ec;
  fs::create_directories(m_path.parent_path(), ec);
  m_fd = ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (m_fd < 0) {
    if (!m_reported) std::cerr << "ftgo: warning: cannot write " << m_path.string() << ": " << std::strerror(errno) << "\n";
    m_reported = true;
    return;
  }
  struct stat st {};
  m_size = ::fstat(m_fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

void LogFile::rotate() {
  if (m_fd >= 0) ::close(m_fd);
  m_fd = -1;
  std::error_code ec;
  auto numbered = [&](int i) { return fs::path(m_path.string() + "." + std::to_string(i)); };
  fs::remove(numbered(m_keep), ec);
  for (int i = m_keep - 1; i >= 1; --i) fs::rename(numbered(i), numbered(i + 1), ec);
  if (m_keep >= 1) fs::rename(m_path, numbered(1), ec);
  else fs::remove(m_path, ec);
  open();
}

void LogFile::write(std::string_view text) {
  if (text.empty()) return;
  if (m_size > 0 && m_size + text.size() > m_max_bytes) rotate();
  if (m_fd < 0) return;
  while (!text.empty()) {
    ssize_t n = ::write(m_fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (!m_reported) std::cerr << "ftgo: warning: cannot write " << m_path.string() << ": " << std::strerror(errno) << "\n";
      m_reported = true;
      return;
    }
    m_size += static_cast<uint64_t>(n);
    text.remove_prefix(static_cast<size_t>(n));
  }
}

namespace {

// Prepends to `out` the last lines of one file until `out` holds `n`.
void tail_one(const fs::path& path, size_t n, std::deque<std::string>& out) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return;  // a directory "opens" and reads as endless nothing
  std::ifstream in(path, std::ios::binary);
  if (!in) return;
  in.seekg(0, std::ios::end);
  std::streamoff end = in.tellg();
  std::streamoff pos = end;
  std::string data;
  const std::streamoff block = 64 * 1024;
  size_t newlines = 0;
  while (pos > 0 && newlines <= n - out.size()) {
    std::streamoff start = pos > block ? pos - block : 0;
    std::string chunk(static_cast<size_t>(pos - start), '\0');
    in.seekg(start);
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    for (char c : chunk) newlines += c == '\n';
    data.insert(0, chunk);
    pos = start;
  }
  if (!data.empty() && data.back() == '\n') data.pop_back();
  else if (data.empty()) return;
  std::vector<std::string> lines;
  size_t start = 0;
  while (true) {
    size_t nl = data.find('\n', start);
    lines.push_back(data.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  if (pos > 0 && !lines.empty()) lines.erase(lines.begin());  // maybe cut in the middle
  for (auto it = lines.rbegin(); it != lines.rend() && out.size() < n; ++it) out.push_front(*it);
}

}  // namespace

std::vector<std::string> tail_lines(const fs::path& path, size_t n) {
  std::deque<std::string> out;
  if (n == 0) return {};
  tail_one(path, n, out);
  for (int i = 1; out.size() < n && i <= 9; ++i) {
    fs::path older(path.string() + "." + std::to_string(i));
    if (!fs::exists(older)) break;
    tail_one(older, n, out);
  }
  return {out.begin(), out.end()};
}

}  // namespace ftgo::supervisor
