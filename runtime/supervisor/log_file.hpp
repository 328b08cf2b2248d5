#pragma once
// A service's log file, .ftgo/logs/<service>.log, with size-based rotation:
// when a write would take it past `max_bytes`, <name>.log becomes <name>.log.1
// (older ones shift to .2 ... .keep, the oldest is deleted) and a new file is
// started. Writes go straight to the descriptor (one write per batch), so a
// reader (`ftgo logs`) sees every line as soon as the supervisor has it.
// Owned by the supervisor's service unit; single-threaded.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ftgo::supervisor {

class LogFile {
 public:
  static constexpr uint64_t k_default_max_bytes = 10ull * 1024 * 1024;
  static constexpr int k_default_keep = 3;

  LogFile(std::filesystem::path path, uint64_t max_bytes = k_default_max_bytes, int keep = k_default_keep);
  ~LogFile();
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  // Appends `text` (already '\n'-terminated lines). Errors are swallowed after
  // the first one is reported on stderr: logging must never stop a service.
  void write(std::string_view text);
  const std::filesystem::path& path() const { return m_path; }

 private:
  void open();
  void rotate();

  std::filesystem::path m_path;
  uint64_t m_max_bytes;
  int m_keep;
  int m_fd = -1;
  uint64_t m_size = 0;
  bool m_reported = false;
};

// The last `n` lines of `path` (older rotated files are read too when the
// current one has fewer). Empty when there is no file.
std::vector<std::string> tail_lines(const std::filesystem::path& path, size_t n);

}  // namespace ftgo::supervisor
