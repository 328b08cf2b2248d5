#pragma once
// File: a small owner of a POSIX file descriptor with the few calls storage
// needs (pwrite/pread that loop over short counts, fdatasync, truncate), each
// throwing ftgo::Error naming the file on failure. Plus atomic whole-file
// writes (temp + fsync + rename + directory fsync). Movable, not copyable;
// not thread-safe.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ftgo::broker::storage {

namespace fs = std::filesystem;

// Which file a descriptor is open on (device and inode): a name unlinked
// and created again names another file.
struct FileId {
  std::uint64_t dev = 0, ino = 0;
  bool operator==(const FileId&) const = default;
};

class File {
 public:
  File() = default;
  // Opens read-write, creating when missing (mode 0644).
  static File open_rw(const fs::path& path);
  // Opens read-only a file that exists; nullopt when there is none (ENOENT).
  static std::optional<File> open_existing(const fs::path& path);
  ~File();
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  bool is_open() const { return m_fd >= 0; }
  int fd() const { return m_fd; }
  const fs::path& path() const { return m_path; }
  std::uint64_t size() const;  // fstat
  FileId id() const;           // fstat

  void pwrite_all(const void* data, std::size_t size, std::uint64_t offset);
  // Reads up to `size` bytes at `offset`; returns how many (fewer at end of file).
  std::size_t pread_some(void* data, std::size_t size, std::uint64_t offset) const;
  void datasync();
  void truncate(std::uint64_t size);
  void close();
  // A second descriptor for the same open file (dup): it stays valid after
  // this one is closed or the file unlinked, so another thread can fsync it.
  File dup() const;

 private:
  int m_fd = -1;
  fs::path m_path;
};

// Writes `content` to `path` atomically: temp file, fsync, rename, fsync dir.
void write_file_atomic(const fs::path& path, std::string_view content);
std::string read_file(const fs::path& path);
// fsync of a directory, so a create/rename/unlink in it is durable.
void sync_dir(const fs::path& dir);

// For tests of the order of the log cleaner's directory operations
// (FORMAT.md, "Swapping in a cleaned segment"): sync_dir and the cleaner's
// renames and unlinks report to the observer set on the calling thread
// (op "rename": path is the new name; "unlink"; "fsync": the directory).
using DirOpObserver = std::function<void(std::string_view op, const fs::path& path)>;
void set_dir_op_observer(DirOpObserver* observer);  // this thread's; nullptr: none
void report_dir_op(std::string_view op, const fs::path& path);

}  // namespace ftgo::broker::storage
