#include "broker/storage/partition_log.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <map>
#include <regex>
#include <vector>

#include "broker/record_batch.hpp"
#include "broker/records.hpp"
#include "broker/storage/log_cleaner.hpp"
#include "broker/storage/partition_log_impl.hpp"
#include "util/error.hpp"

namespace ftgo::broker::storage {

namespace {

// A segment file name: 20 digits then ".log".
bool parse_segment_name(const std::string& name, std::int64_t& base) {
  if (name.size() != 24 || name.compare(20, 4, ".log") != 0) return false;
  if (!std::all_of(name.begin(), name.begin() + 20, [](char c) { return c >= '0' && c <= '9'; })) return false;
  try {
    base = std::stoll(name.substr(0, 20));
  } catch (...) {
    return false;
  }
  return true;
}

}  // namespace

void PartitionLog::Impl::open_segments() {
  recover_cleaner_swaps(dir);  // a compaction a crash interrupted: finish or discard it
  std::vector<std::int64_t> bases;
  std::vector<fs::path> indexes;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    std::int64_t base;
    if (parse_segment_name(name, base)) {
      bases.push_back(base);
    } else if (entry.path().extension() == ".index" || entry.path().extension() == ".timeindex") {
      indexes.push_back(entry.path());
    }
  }
  // An index without its log is what a crash during a segment's deletion leaves.
  for (const auto& idx : indexes) {
    fs::path log = idx;
    log.replace_extension(".log");
    if (!fs::exists(log)) fs::remove(idx);
  }
  std::sort(bases.begin(), bases.end());
  if (bases.empty()) bases.push_back(0);
  for (std::int64_t base : bases)
    segments.emplace(base, std::make_unique<Segment>(dir, base, options.index_interval_bytes));
  // Idempotent producers' state, from the last segment.
  active().scan_headers(0, [&](const BatchHeader& h, std::uint64_t) {
    producers.update(h);
    return true;
  });
}

void PartitionLog::Impl::roll(std::int64_t base) {
  Segment& old = active();
  if (options.fsync == FsyncPolicy::always) {
    old.sync();
  } else {
    old.flush_index();
  }
  segments.emplace(base, std::make_unique<Segment>(dir, base, options.index_interval_bytes));
  if (options.fsync == FsyncPolicy::always) sync_dir(dir);
}

// Whole segments below `offset` go, never the active one. Also what a crash
// between writing the log start offset and unlinking them leaves behind.
void PartitionLog::Impl::drop_segments_below(std::int64_t offset) {
  while (segments.size() > 1 && std::next(segments.begin())->first <= offset) {
    segments.begin()->second->remove();
    segments.erase(segments.begin());
  }
}

// Checks every idempotent batch of `headers` in order; later batches of the
// same producer in one request are checked against the earlier ones.
AppendError PartitionLog::Impl::check_producers(ProducerBatch& dup) {
  overlay.clear();
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const BatchHeader& h = headers[i];
    if (!is_idempotent(h)) continue;
    const ProducerEntry* entry = producers.find(h.producer_id);
    auto it = std::find_if(overlay.begin(), overlay.end(), [&](const auto& o) { return o.first == h.producer_id; });
    if (it != overlay.end()) entry = &it->second;
    switch (check_sequence(entry, h, &dup)) {
      case SequenceCheck::ok: break;
      case SequenceCheck::duplicate: return AppendError::duplicate_sequence;
      case SequenceCheck::out_of_order: return AppendError::out_of_order_sequence;
      case SequenceCheck::fenced: return AppendError::invalid_producer_epoch;
    }
    if (i + 1 < headers.size()) {  // only needed when more batches follow
      if (it == overlay.end()) {
        overlay.emplace_back(h.producer_id, entry ? *entry : ProducerEntry{});
        it = std::prev(overlay.end());
        record_batch(it->second, entry == nullptr, h);
      } else {
        record_batch(it->second, false, h);
      }
    }
  }
  return AppendError::none;
}

// A compacted topic takes only records with a key (Kafka's LogValidator):
// every record of every batch but control batches, decompressing compressed
// ones. A batch whose records do not decode is corrupt.
AppendError PartitionLog::Impl::check_keys(std::span<const std::uint8_t> batches,
                                           std::vector<std::int32_t>& missing) const {
  std::string scratch;
  std::vector<Record> records;
  std::size_t pos = 0;
  for (const BatchHeader& h : headers) {
    auto batch = batches.subspan(pos, h.total_size());
    pos += h.total_size();
    if (h.control()) continue;
    if (!decode_batch_records(batch, h, scratch, records)) return AppendError::corrupt_message;
    for (std::size_t i = 0; i < records.size(); ++i)
      if (records[i].key_null) missing.push_back(static_cast<std::int32_t>(i));
    if (!missing.empty()) return AppendError::missing_key;
  }
  return AppendError::none;
}

void PartitionLog::set_options(LogOptions options) {
  options.segment_bytes = std::clamp<std::uint64_t>(options.segment_bytes, 1024, INT32_MAX);
  m_impl->options = options;
}

PartitionLog::PartitionLog(fs::path dir, LogOptions options) : m_impl(std::make_unique<Impl>()) {
  m_impl->dir = std::move(dir);
  set_options(options);
  std::error_code ec;
  fs::create_directories(m_impl->dir, ec);
  if (ec) throw failure("cannot create partition directory", m_impl->dir.string(), ec.message());
  m_impl->open_segments();
  fs::path floor_file = m_impl->dir / k_start_offset_file;
  if (fs::exists(floor_file, ec)) {
    try {
      m_impl->start_floor = std::stoll(read_file(floor_file));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ftgo broker: ignoring unreadable %s: %s\n", floor_file.c_str(), e.what());
    }
  }
  // A start beyond the end: the records below it were lost after DeleteRecords
  // recorded it (a power loss under --fsync interval). As Kafka's LogLoader
  // does, the log starts over, empty, at the recorded start, so new records
  // get offsets consumers can read.
  if (m_impl->start_floor > high_watermark()) {
    std::fprintf(stderr, "ftgo broker: %s ends at offset %lld, below its log start offset %lld: starting it over at %lld\n",
                 m_impl->dir.c_str(), static_cast<long long>(high_watermark()),
                 static_cast<long long>(m_impl->start_floor), static_cast<long long>(m_impl->start_floor));
    m_impl->roll(m_impl->start_floor);
  }
  m_impl->drop_segments_below(m_impl->start_floor);
  fs::path checkpoint_file = m_impl->dir / k_cleaner_checkpoint_file;
  m_impl->cleaner_checkpoint = log_start_offset();
  if (fs::exists(checkpoint_file, ec)) {
    try {
      m_impl->cleaner_checkpoint = std::stoll(read_file(checkpoint_file));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ftgo broker: ignoring unreadable %s: %s\n", checkpoint_file.c_str(), e.what());
    }
  }
}

std::int64_t PartitionLog::delete_records_before(std::int64_t offset) {
  Impl& im = *m_impl;
  offset = std::min(offset, high_watermark());
  if (offset <= log_start_offset()) return log_start_offset();
  // The records up to the new start reach the disk before the start does:
  // otherwise a power loss could leave a start beyond the end of the log.
  for (auto& [base, seg] : im.segments) seg->sync_log();
  write_file_atomic(im.dir / k_start_offset_file, std::to_string(offset) + "\n");
  im.start_floor = offset;
  im.drop_segments_below(offset);
  return offset;
}

PartitionLog::~PartitionLog() {
  if (m_impl) m_impl->detach_job();
  if (!m_impl || m_impl->segments.empty()) return;
  std::error_code ec;
  if (!fs::exists(m_impl->dir, ec)) return;  // its topic was just deleted
  try {
    m_impl->active().flush_index();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ftgo broker: %s\n", e.what());
  }
}

AppendResult PartitionLog::append(std::span<std::uint8_t> batches) {
  Impl& im = *m_impl;
  AppendResult result;
  result.log_start_offset = log_start_offset();
  im.headers.clear();
  BatchCursor cursor(batches, true);
  std::int64_t records = 0;
  while (cursor.next()) {
    im.headers.push_back(cursor.header());
    records += cursor.header().last_offset_delta + 1;
  }
  if (cursor.error() != BatchError::none || im.headers.empty()) {
    result.error = cursor.error() == BatchError::bad_magic ? AppendError::unsupported_magic
                                                           : AppendError::corrupt_message;
    return result;
  }
  if (im.options.cleanup_compact) {
    if (AppendError e = im.check_keys(batches, result.missing_keys); e != AppendError::none) {
      result.error = e;
      return result;
    }
  }
  ProducerBatch dup;
  if (AppendError e = im.check_producers(dup); e != AppendError::none) {
    result.error = e;
    if (e == AppendError::duplicate_sequence) {
      result.base_offset = dup.first_offset;
      result.last_offset = dup.last_offset;
    }
    return result;
  }
  std::int64_t next = high_watermark();
  Segment* seg = &im.active();
  std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  if (seg->size() > 0 && (seg->size() + batches.size() > im.options.segment_bytes ||
                          next + records - seg->base_offset() > INT32_MAX ||
                          (im.options.segment_ms >= 0 && now - seg->created_ms() > im.options.segment_ms))) {
    im.roll(next);
    seg = &im.active();
  }
  // Assign offsets: rewrite each baseOffset (outside the CRC) in place.
  std::size_t pos = 0;
  std::int64_t offset = next;
  for (BatchHeader& h : im.headers) {
    set_base_offset(batches.data() + pos, offset);
    h.base_offset = offset;
    offset = h.last_offset() + 1;
    pos += h.total_size();
  }
  seg->append(batches, im.headers, now);
  for (const BatchHeader& h : im.headers) im.producers.update(h);
  if (im.options.fsync == FsyncPolicy::always) seg->sync_log();
  result.base_offset = next;
  result.last_offset = offset - 1;
  return result;
}

std::size_t PartitionLog::read(std::int64_t offset, std::size_t max_bytes, std::string& out) const {
  const Impl& im = *m_impl;
  if (offset < log_start_offset() || offset >= high_watermark()) return 0;
  auto it = im.segments.upper_bound(offset);
  --it;
  for (; it != im.segments.end(); ++it) {
    const Segment& seg = *it->second;
    std::uint64_t pos = seg.find_position(offset);
    if (pos < seg.size()) return seg.read(pos, max_bytes, out);
  }
  return 0;
}

std::int64_t PartitionLog::log_start_offset() const {
  return std::max(m_impl->segments.begin()->second->base_offset(), m_impl->start_floor);
}

std::int64_t PartitionLog::high_watermark() const { return m_impl->active().next_offset(); }

const std::unordered_map<std::int64_t, ProducerEntry>& PartitionLog::producers() const {
  return m_impl->producers.entries();
}

std::int64_t PartitionLog::offset_for_timestamp(std::int64_t ts, std::int64_t* segment_end) const {
  if (segment_end) *segment_end = high_watermark();
  for (const auto& [base, seg] : m_impl->segments) {
    if (seg->max_timestamp() < ts) continue;
    std::int64_t offset = seg->offset_for_timestamp(ts);
    if (offset < 0) continue;
    if (segment_end) *segment_end = seg->next_offset();
    return std::max(offset, log_start_offset());
  }
  return high_watermark();
}

std::int64_t PartitionLog::max_timestamp() const {
  std::int64_t ts = -1;
  for (const auto& [base, seg] : m_impl->segments) ts = std::max(ts, seg->max_timestamp());
  return ts;
}

std::size_t PartitionLog::read_max_timestamp_batch(std::string& out) const {
  const Segment* best = nullptr;
  for (const auto& [base, seg] : m_impl->segments)
    if (seg->size() > 0 && (!best || seg->max_timestamp() > best->max_timestamp())) best = seg.get();
  return best ? best->read(best->position_of_max_timestamp(), 1, out) : 0;
}

void PartitionLog::flush() {
  for (auto& [base, seg] : m_impl->segments) seg->sync();
}

void PartitionLog::collect_sync(std::vector<File>& out) {
  for (auto& [base, seg] : m_impl->segments) seg->collect_sync(out);
}

// Deletes whole segments from the oldest, never the active one: by time when
// a segment's newest record is older than retention_ms; by size while the log
// minus the oldest segment is still at least retention_bytes. Only when the
// cleanup.policy has `delete` (Kafka's UnifiedLog.deleteOldSegments); the
// DeleteRecords start offset applies whatever the policy.
void PartitionLog::enforce_retention(std::int64_t now_ms) {
  Impl& im = *m_impl;
  im.drop_segments_below(im.start_floor);
  auto drop_oldest = [&] {
    auto it = im.segments.begin();
    it->second->remove();
    im.segments.erase(it);
  };
  if (!im.options.cleanup_delete) return;  // compact only: kept until the cleaner drops them
  if (im.options.retention_ms >= 0) {
    while (im.segments.size() > 1 &&
           im.segments.begin()->second->retention_timestamp() < now_ms - im.options.retention_ms)
      drop_oldest();
  }
  if (im.options.retention_bytes >= 0) {
    std::uint64_t total = size_bytes();
    while (im.segments.size() > 1) {
      std::uint64_t oldest = im.segments.begin()->second->size();
      if (total - oldest < static_cast<std::uint64_t>(im.options.retention_bytes)) break;
      total -= oldest;
      drop_oldest();
    }
  }
}

std::uint64_t PartitionLog::size_bytes() const {
  std::uint64_t total = 0;
  for (const auto& [base, seg] : m_impl->segments) total += seg->size();
  return total;
}

std::int64_t PartitionLog::max_message_bytes() const { return m_impl->options.max_message_bytes; }

const LogOptions& PartitionLog::options() const { return m_impl->options; }

std::size_t PartitionLog::segment_count() const { return m_impl->segments.size(); }

const fs::path& PartitionLog::dir() const { return m_impl->dir; }

void PartitionLog::remove_files() {
  m_impl->detach_job();
  for (auto& [base, seg] : m_impl->segments) seg->remove();
  m_impl->segments.clear();
  std::error_code ec;
  fs::remove_all(m_impl->dir, ec);
}

}  // namespace ftgo::broker::storage
