#include "broker/storage/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/error.hpp"

namespace ftgo::broker::storage {
namespace {

[[noreturn]] void fail(const std::string& what, const fs::path& path) {
  throw failure(what, path.string(), std::strerror(errno));
}

thread_local DirOpObserver* t_dir_op_observer = nullptr;

}  // namespace

void set_dir_op_observer(DirOpObserver* observer) { t_dir_op_observer = observer; }

void report_dir_op(std::string_view op, const fs::path& path) {
  if (t_dir_op_observer) (*t_dir_op_observer)(op, path);
}

std::optional<File> File::open_existing(const fs::path& path) {
  File f;
  f.m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.m_fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    fail("cannot open file", path);
  }
  f.m_path = path;
  return f;
}

File File::open_rw(const fs::path& path) {
  File f;
  f.m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (f.m_fd < 0) fail("cannot open file", path);
  f.m_path = path;
  return f;
}

File::~File() { close(); }

File::File(File&& other) noexcept : m_fd(other.m_fd), m_path(std::move(other.m_path)) { other.m_fd = -1; }

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    close();
    m_fd = other.m_fd;
    m_path = std::move(other.m_path);
    other.m_fd = -1;
  }
  return *this;
}

void File::close() {
  if (m_fd >= 0) ::close(m_fd);
  m_fd = -1;
}

File File::dup() const {
  File f;
  f.m_fd = ::fcntl(m_fd, F_DUPFD_CLOEXEC, 0);
  if (f.m_fd < 0) fail("cannot duplicate file descriptor", m_path);
  f.m_path = m_path;
  return f;
}

std::uint64_t File::size() const {
  struct stat st {};
  if (::fstat(m_fd, &st) != 0) fail("cannot stat file", m_path);
  return static_cast<std::uint64_t>(st.st_size);
}

FileId File::id() const {
  struct stat st {};
  if (::fstat(m_fd, &st) != 0) fail("cannot stat file", m_path);
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

void File::pwrite_all(const void* data, std::size_t size, std::uint64_t offset) {
  auto p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::pwrite(m_fd, p, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write file", m_path);
    }
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

std::size_t File::pread_some(void* data, std::size_t size, std::uint64_t offset) const {
  auto p = static_cast<char*>(data);
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(m_fd, p + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot read file", m_path);
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

void File::datasync() {
  if (::fdatasync(m_fd) != 0) fail("cannot fsync file", m_path);
}

void File::truncate(std::uint64_t size) {
  if (::ftruncate(m_fd, static_cast<off_t>(size)) != 0) fail("cannot truncate file", m_path);
}

void sync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("cannot open directory", dir);
  report_dir_op("fsync", dir);
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  errno = saved;
  if (rc != 0) fail("cannot fsync directory", dir);
}

void write_file_atomic(const fs::path& path, std::string_view content) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail("cannot create file", tmp);
    struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{fd};
    std::size_t done = 0;
    while (done < content.size()) {
      ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail("cannot write file", tmp);
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) fail("cannot fsync file", tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("cannot rename file", tmp);
  sync_dir(path.parent_path());
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw failure("cannot read file", path.string(), std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace ftgo::broker::storage
