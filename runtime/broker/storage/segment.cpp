#include "broker/storage/segment.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <system_error>

namespace ftgo::broker::storage {
namespace {

constexpr std::size_t k_index_entry = 8;   // relative offset int32, position int32
constexpr std::size_t k_time_entry = 12;   // timestamp int64, relative offset int32

// Reads a file sequentially through a buffer; view() returns `n` bytes at
// `pos`, reading a new chunk when they are not buffered, nullptr past `end`.
class Scanner {
 public:
  Scanner(const File& file, std::uint64_t end, std::size_t chunk) : m_file(file), m_end(end), m_chunk(chunk) {}

  const std::uint8_t* view(std::uint64_t pos, std::size_t n) {
    if (pos + n > m_end) return nullptr;
    if (pos < m_pos || pos + n > m_pos + m_buf.size()) {
      std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(std::max(n, m_chunk), m_end - pos));
      m_buf.resize(want);
      m_buf.resize(m_file.pread_some(m_buf.data(), want, pos));
      m_pos = pos;
      if (m_buf.size() < n) return nullptr;
    }
    return reinterpret_cast<const std::uint8_t*>(m_buf.data()) + (pos - m_pos);
  }

 private:
  const File& m_file;
  std::uint64_t m_end;
  std::size_t m_chunk;
  std::string m_buf;
  std::uint64_t m_pos = 0;
};

std::string base_name(std::int64_t base) { return fmt::format("{:020d}", base); }

}  // namespace

fs::path Segment::log_file(const fs::path& dir, std::int64_t base) { return dir / (base_name(base) + ".log"); }

Segment::Segment(const fs::path& dir, std::int64_t base, std::uint32_t index_interval_bytes)
    : m_base(base), m_interval(index_interval_bytes), m_next(base) {
  std::string name = base_name(base);
  m_log = File::open_rw(dir / (name + ".log"));
  m_index_path = dir / (name + ".index");
  m_time_path = dir / (name + ".timeindex");
  std::uint64_t log_size = m_log.size();
  load_index(log_size);
  recover(log_size);
  // The segment's age for segment.ms counts from this open: a first batch's
  // own timestamp may be far in the past (producers set it), and rolling on
  // it would hand old-timestamped data to time retention after a restart.
  if (m_size > 0)
    m_created_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
}

// Keeps the longest prefix of the index files that is consistent: whole
// entries, the same offsets in both files, increasing offsets and positions,
// non-decreasing timestamps, positions inside the log, and the last entry
// pointing at a batch header with its offset.
void Segment::load_index(std::uint64_t log_size) {
  File index_file = File::open_rw(m_index_path), time_file = File::open_rw(m_time_path);
  std::size_t n = static_cast<std::size_t>(
      std::min(index_file.size() / k_index_entry, time_file.size() / k_time_entry));
  std::string idx(n * k_index_entry, '\0'), tim(n * k_time_entry, '\0');
  n = std::min(index_file.pread_some(idx.data(), idx.size(), 0) / k_index_entry,
               time_file.pread_some(tim.data(), tim.size(), 0) / k_time_entry);
  auto ip = reinterpret_cast<const std::uint8_t*>(idx.data());
  auto tp = reinterpret_cast<const std::uint8_t*>(tim.data());
  m_index.clear();
  for (std::size_t i = 0; i < n; ++i) {
    IndexEntry e{static_cast<std::uint32_t>(load_be32(ip + i * k_index_entry)),
                 static_cast<std::uint32_t>(load_be32(ip + i * k_index_entry + 4)),
                 load_be64(tp + i * k_time_entry)};
    auto time_rel = static_cast<std::uint32_t>(load_be32(tp + i * k_time_entry + 8));
    if (time_rel != e.rel_offset || e.position == 0 || e.position >= log_size) break;
    if (!m_index.empty()) {
      const IndexEntry& prev = m_index.back();
      if (e.rel_offset <= prev.rel_offset || e.position <= prev.position || e.max_ts_before < prev.max_ts_before)
        break;
    }
    m_index.push_back(e);
  }
  for (int tries = 0; tries < 4 && !m_index.empty(); ++tries) {
    std::uint8_t head[k_batch_header_size];
    BatchHeader h;
    if (m_log.pread_some(head, sizeof head, m_index.back().position) == sizeof head &&
        decode_batch_header(head, h) == BatchError::none && h.base_offset == m_base + m_index.back().rel_offset)
      break;
    m_index.pop_back();
    if (tries == 3) m_index.clear();
  }
  truncate_index_files(m_index.size());
}

void Segment::truncate_index_files(std::size_t entries) {
  m_index_written = entries;
  File index_file = File::open_rw(m_index_path), time_file = File::open_rw(m_time_path);
  if (index_file.size() != entries * k_index_entry) index_file.truncate(entries * k_index_entry);
  if (time_file.size() != entries * k_time_entry) time_file.truncate(entries * k_time_entry);
}

// Validates every batch from the last index entry to the end of the log. At
// the first bad one (torn, bad CRC, offsets going back) the log is truncated
// there; when that removes the batch an index entry points at, the entry goes
// too and the scan restarts from the entry before it.
void Segment::recover(std::uint64_t log_size) {
  const std::uint64_t original_size = log_size;
  for (;;) {
    std::uint64_t pos = m_index.empty() ? 0 : m_index.back().position;
    m_max_ts = m_index.empty() ? -1 : m_index.back().max_ts_before;
    m_next = m_index.empty() ? m_base : m_base + m_index.back().rel_offset;
    m_bytes_since_index = 0;
    bool at_entry = !m_index.empty();
    Scanner scan(m_log, log_size, 1 << 20);
    while (pos < log_size) {
      const std::uint8_t* p = scan.view(pos, k_batch_header_size);
      BatchHeader h;
      if (!p || decode_batch_header(p, h) != BatchError::none) break;
      if (pos + h.total_size() > log_size) break;
      p = scan.view(pos, h.total_size());
      if (!p || validate_batch({p, h.total_size()}, h, true) != BatchError::none) break;
      if (h.base_offset < m_next || h.last_offset() - m_base > INT32_MAX) break;
      add_batch(h, pos, !at_entry);
      at_entry = false;
      pos += h.total_size();
    }
    m_size = pos;
    if (pos == log_size) break;
    m_log.truncate(pos);
    log_size = pos;
    bool dropped = false;
    while (!m_index.empty() && m_index.back().position >= pos) {
      m_index.pop_back();
      dropped = true;
    }
    if (!dropped) break;
  }
  if (m_index_written > m_index.size()) truncate_index_files(m_index.size());
  if (m_size < original_size) {
    std::fprintf(stderr, "ftgo broker: truncated %llu bytes of torn tail in %s\n",
                 static_cast<unsigned long long>(original_size - m_size), m_log.path().c_str());
    m_log.datasync();
  }
}

void Segment::add_batch(const BatchHeader& h, std::uint64_t position, bool may_index) {
  if (may_index && position > 0 && m_bytes_since_index >= m_interval) {
    m_index.push_back({static_cast<std::uint32_t>(h.base_offset - m_base), static_cast<std::uint32_t>(position),
                       m_max_ts});
    m_bytes_since_index = 0;
  }
  m_bytes_since_index += h.total_size();
  m_max_ts = std::max(m_max_ts, h.max_timestamp);
  m_next = h.last_offset() + 1;
}

void Segment::append(std::span<const std::uint8_t> bytes, std::span<const BatchHeader> headers,
                     std::int64_t now_ms) {
  if (m_size == 0) m_created_ms = now_ms;
  try {
    m_log.pwrite_all(bytes.data(), bytes.size(), m_size);
  } catch (...) {
    try {
      m_log.truncate(m_size);  // all or nothing: drop a partial write
    } catch (...) {
    }
    throw;
  }
  std::uint64_t pos = m_size;
  for (const BatchHeader& h : headers) {
    add_batch(h, pos, true);
    pos += h.total_size();
  }
  m_size = pos;
  m_dirty = true;
}

std::int64_t Segment::retention_timestamp() const {
  if (m_max_ts >= 0) return m_max_ts;
  struct stat st {};
  if (::fstat(m_log.fd(), &st) != 0) return 0;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

void Segment::scan_headers(std::uint64_t position,
                           const std::function<bool(const BatchHeader&, std::uint64_t)>& fn) const {
  Scanner scan(m_log, m_size, 32 * 1024);
  while (position < m_size) {
    const std::uint8_t* p = scan.view(position, k_batch_header_size);
    BatchHeader h;
    if (!p || decode_batch_header(p, h) != BatchError::none) return;
    if (!fn(h, position)) return;
    position += h.total_size();
  }
}

std::uint64_t Segment::find_position(std::int64_t offset) const {
  if (offset >= m_next || m_size == 0) return m_size;
  if (offset <= m_base) return 0;
  for (const auto& [hint_offset, hint_pos] : m_hints)
    if (hint_offset == offset && hint_pos != 0 && hint_pos < m_size) return hint_pos;
  auto rel = static_cast<std::uint32_t>(offset - m_base);
  auto it = std::upper_bound(m_index.begin(), m_index.end(), rel,
                             [](std::uint32_t r, const IndexEntry& e) { return r < e.rel_offset; });
  std::uint64_t start = it == m_index.begin() ? 0 : std::prev(it)->position;
  std::uint64_t found = m_size;
  scan_headers(start, [&](const BatchHeader& h, std::uint64_t pos) {
    if (h.last_offset() < offset) return true;
    found = pos;
    return false;
  });
  return found;
}

void Segment::remember(std::int64_t offset, std::uint64_t position) const {
  m_hints[m_hint_next] = {offset, position};
  m_hint_next = (m_hint_next + 1) % m_hints.size();
}

std::size_t Segment::read(std::uint64_t position, std::size_t max_bytes, std::string& out) const {
  if (position >= m_size) return 0;
  const std::size_t old = out.size();
  std::size_t want = static_cast<std::size_t>(
      std::min<std::uint64_t>(std::max(max_bytes, k_batch_header_size), m_size - position));
  out.resize(old + want);
  std::size_t got = m_log.pread_some(out.data() + old, want, position);
  std::size_t end = 0;
  std::int64_t next_offset = -1;
  while (end + k_batch_header_size <= got) {
    auto p = reinterpret_cast<const std::uint8_t*>(out.data() + old + end);
    std::int32_t length = load_be32(p + 8);
    if (length < k_min_batch_length) break;
    std::size_t total = k_batch_log_overhead + static_cast<std::uint32_t>(length);
    if (end + total > got) {
      if (end == 0 && position + total <= m_size) {  // one batch larger than max_bytes
        out.resize(old + total);
        got += m_log.pread_some(out.data() + old + got, total - got, position + got);
        if (got < total) break;
        p = reinterpret_cast<const std::uint8_t*>(out.data() + old);
        next_offset = load_be64(p) + load_be32(p + 23) + 1;
        end = total;
      }
      break;
    }
    next_offset = load_be64(p) + load_be32(p + 23) + 1;
    end += total;
  }
  out.resize(old + end);
  if (end > 0) remember(next_offset, position + end);
  return end;
}

std::int64_t Segment::offset_for_timestamp(std::int64_t ts) const {
  if (m_max_ts < ts || m_size == 0) return -1;
  auto it = std::partition_point(m_index.begin(), m_index.end(),
                                 [ts](const IndexEntry& e) { return e.max_ts_before < ts; });
  std::uint64_t start = it == m_index.begin() ? 0 : std::prev(it)->position;
  std::int64_t result = -1;
  scan_headers(start, [&](const BatchHeader& h, std::uint64_t pos) {
    if (h.max_timestamp < ts) return true;
    result = h.base_offset;
    std::string batch(h.total_size(), '\0');
    if (m_log.pread_some(batch.data(), batch.size(), pos) == batch.size()) {
      std::int64_t exact;
      if (find_record_by_timestamp({reinterpret_cast<const std::uint8_t*>(batch.data()), batch.size()}, ts, exact))
        result = exact;
    }
    return false;
  });
  return result;
}

std::uint64_t Segment::position_of_max_timestamp() const {
  // Index entries' max_ts_before only grow: skip those the max comes after.
  auto it = std::partition_point(m_index.begin(), m_index.end(),
                                 [this](const IndexEntry& e) { return e.max_ts_before < m_max_ts; });
  std::uint64_t found = m_size;
  scan_headers(it == m_index.begin() ? 0 : std::prev(it)->position, [&](const BatchHeader& h, std::uint64_t pos) {
    if (h.max_timestamp != m_max_ts) return true;
    found = pos;
    return false;
  });
  return found;
}

void Segment::flush_index(bool sync_files) {
  std::size_t n = m_index.size() - m_index_written;
  if (n == 0 && !(sync_files && m_index_unsynced)) return;
  File index_file = File::open_rw(m_index_path), time_file = File::open_rw(m_time_path);
  if (n > 0) {
    std::string idx(n * k_index_entry, '\0'), tim(n * k_time_entry, '\0');
    auto ip = reinterpret_cast<std::uint8_t*>(idx.data());
    auto tp = reinterpret_cast<std::uint8_t*>(tim.data());
    for (std::size_t i = 0; i < n; ++i) {
      const IndexEntry& e = m_index[m_index_written + i];
      store_be32(ip + i * k_index_entry, static_cast<std::int32_t>(e.rel_offset));
      store_be32(ip + i * k_index_entry + 4, static_cast<std::int32_t>(e.position));
      store_be64(tp + i * k_time_entry, e.max_ts_before);
      store_be32(tp + i * k_time_entry + 8, static_cast<std::int32_t>(e.rel_offset));
    }
    index_file.pwrite_all(idx.data(), idx.size(), m_index_written * k_index_entry);
    time_file.pwrite_all(tim.data(), tim.size(), m_index_written * k_time_entry);
    m_index_written = m_index.size();
    m_index_unsynced = true;
  }
  if (sync_files) {
    index_file.datasync();
    time_file.datasync();
    m_index_unsynced = false;
  }
}

void Segment::sync() {
  flush_index(true);
  if (m_dirty) m_log.datasync();
  m_dirty = false;
}

void Segment::collect_sync(std::vector<File>& out) {
  flush_index(false);
  if (m_index_unsynced) {
    out.push_back(File::open_rw(m_index_path));
    out.push_back(File::open_rw(m_time_path));
    m_index_unsynced = false;
  }
  if (m_dirty && m_log.is_open()) {
    out.push_back(m_log.dup());
    m_dirty = false;
  }
}

void Segment::sync_log() {
  if (!m_dirty) return;
  m_log.datasync();
  m_dirty = false;
}

void Segment::remove() {
  unlink();
  m_log.close();
}

void Segment::unlink() {
  for (const fs::path& p : {m_log.path(), m_index_path, m_time_path}) {
    std::error_code ec;
    report_dir_op("unlink", p);
    fs::remove(p, ec);
  }
}

}  // namespace ftgo::broker::storage
