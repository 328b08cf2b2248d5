// PartitionLog::clean and the crash recovery of its swaps. Worked example:
// closed segments 0 [k1@0 k2@1 k1@2] and 3 [k2@3 k1=tombstone@4], active 5.
// The key map of the dirty segments (both, on a first pass) is k1->4, k2->3;
// segment 0 is rewritten to nothing (every record superseded) but kept, being
// the first (the log start stays 0); segment 3 keeps k2@3 and the tombstone,
// whose batch gets the delete horizon now + delete.retention.ms. A pass after
// the horizon drops the tombstone. Consumers reading from 0 get offsets 3 and
// 4 (then 5...): gaps, never a changed offset.
#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <string>
#include <unordered_map>

#include "broker/record_batch.hpp"
#include "broker/records.hpp"
#include "broker/storage/log_cleaner.hpp"
#include "broker/storage/partition_log_impl.hpp"
#include "util/error.hpp"

namespace ftgo::broker::storage {
namespace {

constexpr std::size_t k_read_chunk = 1 << 20;
constexpr std::int16_t k_delete_horizon_flag = 0x40;

std::string base_name(std::int64_t base) { return fmt::format("{:020d}", base); }

// Calls fn(header, bytes) for every batch of `seg`, reading it 1 MiB at a time.
template <typename Fn>
void for_each_batch(const Segment& seg, Fn&& fn) {
  std::string buf;
  std::uint64_t pos = 0;
  while (pos < seg.size()) {
    buf.clear();
    std::size_t n = seg.read(pos, k_read_chunk, buf);
    if (n == 0) break;
    BatchCursor c({reinterpret_cast<const std::uint8_t*>(buf.data()), n});
    while (c.next()) fn(c.header(), c.bytes());
    pos += n;
  }
}

using KeyMap = std::unordered_map<std::string, std::int64_t>;

// The newest offset of each key in `dirty` segments.
KeyMap build_key_map(const std::vector<Segment*>& dirty) {
  KeyMap latest;
  std::string scratch;
  std::vector<Record> records;
  for (const Segment* seg : dirty)
    for_each_batch(*seg, [&](const BatchHeader& h, std::span<const std::uint8_t> bytes) {
      if (h.control() || !decode_batch_records(bytes, h, scratch, records)) return;
      for (const Record& r : records)
        if (!r.key_null)
          latest[std::string(reinterpret_cast<const char*>(r.key.data()), r.key.size())] =
              h.base_offset + r.offset_delta;
    });
  return latest;
}

// One segment's rewrite: the batches to keep, as bytes, and what changed.
struct Rewrite {
  std::string bytes;
  bool changed = false;
  std::int64_t records_removed = 0;
  std::int64_t min_horizon = INT64_MAX;  // of the kept batches holding tombstones
};

// Appends to `out` what the cleaner keeps of one batch. A control batch, or
// one whose records do not decode, is kept as it is.
void clean_batch(const BatchHeader& h, std::span<const std::uint8_t> bytes, const KeyMap& latest,
                 const LogOptions& options, std::int64_t now_ms, std::string& scratch, std::vector<Record>& records,
                 Rewrite& out) {
  auto keep_as_is = [&] { out.bytes.append(reinterpret_cast<const char*>(bytes.data()), bytes.size()); };
  if (h.control() || !decode_batch_records(bytes, h, scratch, records)) return keep_as_is();
  const bool had_horizon = h.has_delete_horizon();
  std::vector<Record> kept;
  bool tombstones = false;
  for (const Record& r : records) {
    std::int64_t offset = h.base_offset + r.offset_delta;
    if (r.key_null) continue;  // not valid in a compacted log: Kafka's cleaner drops it too
    auto it = latest.find(std::string(reinterpret_cast<const char*>(r.key.data()), r.key.size()));
    if (it != latest.end() && it->second > offset) continue;  // superseded
    if (r.value_null) {
      if (had_horizon && h.base_timestamp <= now_ms) continue;  // a tombstone past its horizon
      tombstones = true;
    }
    kept.push_back(r);
  }
  out.records_removed += static_cast<std::int64_t>(records.size() - kept.size());
  if (kept.size() == records.size() && (had_horizon || !tombstones)) {
    if (tombstones) out.min_horizon = std::min(out.min_horizon, h.base_timestamp);
    return keep_as_is();
  }
  out.changed = true;
  if (kept.empty()) return;
  BatchHeader nh = h;
  if (tombstones && !had_horizon) {
    nh.attributes = static_cast<std::int16_t>(nh.attributes | k_delete_horizon_flag);
    nh.base_timestamp = now_ms + options.delete_retention_ms;
  }
  if (tombstones) out.min_horizon = std::min(out.min_horizon, nh.base_timestamp);
  std::int64_t max_ts = -1;
  for (Record& r : kept) {
    std::int64_t ts = h.base_timestamp + r.timestamp_delta;
    max_ts = std::max(max_ts, ts);
    r.timestamp_delta = ts - nh.base_timestamp;
  }
  if (h.log_append_time()) max_ts = h.max_timestamp;
  out.bytes += build_batch(nh, kept, max_ts);
}

Rewrite rewrite_segment(const Segment& seg, const KeyMap& latest, const LogOptions& options, std::int64_t now_ms) {
  Rewrite out;
  std::string scratch;
  std::vector<Record> records;
  for_each_batch(seg, [&](const BatchHeader& h, std::span<const std::uint8_t> bytes) {
    clean_batch(h, bytes, latest, options, now_ms, scratch, records, out);
  });
  return out;
}

// The earliest delete horizon among the batches of `segs` (INT64_MAX: none).
std::int64_t min_horizon(const std::vector<Segment*>& segs) {
  std::int64_t horizon = INT64_MAX;
  for (const Segment* seg : segs)
    seg->scan_headers(0, [&](const BatchHeader& h, std::uint64_t) {
      if (h.has_delete_horizon()) horizon = std::min(horizon, h.base_timestamp);
      return true;
    });
  return horizon;
}

void rename_file(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) throw failure("cannot rename", from.string(), ec.message());
}

// Writes `bytes` (whole batches) as segment `base` in `work`, with its
// indexes, and fsyncs the three files and the directory.
void write_cleaned(const fs::path& work, std::int64_t base, const std::string& bytes, const LogOptions& options,
                   std::int64_t now_ms) {
  std::error_code ec;
  fs::remove_all(work, ec);
  fs::create_directories(work, ec);
  if (ec) throw failure("cannot create", work.string(), ec.message());
  Segment out(work, base, options.index_interval_bytes);
  std::vector<BatchHeader> headers;
  auto data = std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  std::size_t start = 0;
  BatchCursor c(data);
  auto flush = [&](std::size_t end) {
    if (end > start) out.append(data.subspan(start, end - start), headers, now_ms);
    headers.clear();
    start = end;
  };
  while (c.next()) {
    if (c.position() - start >= k_read_chunk) flush(c.position());
    headers.push_back(c.header());
  }
  flush(data.size());
  out.sync();
  sync_dir(work);
}

}  // namespace

int recover_cleaner_swaps(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir / "cleaning", ec);  // uncommitted work
  std::vector<fs::path> logs, indexes;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name.ends_with(".log.swap")) logs.push_back(e.path());
    else if (name.ends_with(".index.swap") || name.ends_with(".timeindex.swap")) indexes.push_back(e.path());
  }
  for (const fs::path& swap : logs) {
    // Committed: the indexes first, then the log, over the old files.
    std::string base = swap.filename().string().substr(0, 20);
    for (const char* ext : {".index", ".timeindex"}) {
      fs::path idx = dir / (base + ext + ".swap");
      if (fs::exists(idx)) rename_file(idx, dir / (base + ext));
    }
    rename_file(swap, dir / (base + ".log"));
    std::fprintf(stderr, "ftgo broker: completed the cleaner's swap of %s\n", (dir / (base + ".log")).c_str());
  }
  for (const fs::path& idx : indexes)
    if (fs::exists(idx)) fs::remove(idx, ec);  // staged before a swap that never committed
  if (!logs.empty() || !indexes.empty()) sync_dir(dir);
  return static_cast<int>(logs.size());
}

std::int64_t PartitionLog::cleaner_checkpoint() const { return m_impl->cleaner_checkpoint; }

CleanStats PartitionLog::clean(std::int64_t now_ms, CleanStep stop_after) {
  Impl& im = *m_impl;
  CleanStats stats;
  if (!im.options.cleanup_compact || im.segments.size() < 2) return stats;
  // Closed segments, up to the first holding a record younger than min.compaction.lag.ms.
  std::vector<Segment*> cleanable;
  std::int64_t end = im.active().base_offset();
  for (auto it = im.segments.begin(); std::next(it) != im.segments.end(); ++it) {
    if (im.options.min_compaction_lag_ms > 0 && it->second->max_timestamp() > now_ms - im.options.min_compaction_lag_ms) {
      end = it->first;
      break;
    }
    cleanable.push_back(it->second.get());
  }
  if (cleanable.empty()) return stats;
  std::int64_t checkpoint = std::clamp(im.cleaner_checkpoint, cleanable.front()->base_offset(), end);
  std::vector<Segment*> dirty, clean;
  std::uint64_t dirty_bytes = 0, total_bytes = 0;
  for (Segment* s : cleanable) {
    total_bytes += s->size();
    (s->base_offset() >= checkpoint ? dirty : clean).push_back(s);
    if (s->base_offset() >= checkpoint) dirty_bytes += s->size();
  }
  if (!im.next_horizon) im.next_horizon = min_horizon(clean);
  const bool tombstones_due = *im.next_horizon <= now_ms;
  const double ratio = total_bytes ? static_cast<double>(dirty_bytes) / static_cast<double>(total_bytes) : 0;
  if (!(dirty_bytes > 0 && ratio >= im.options.min_cleanable_dirty_ratio) && !tombstones_due) return stats;

  stats.ran = true;
  KeyMap latest = build_key_map(dirty);
  std::int64_t next_horizon = INT64_MAX;
  const fs::path work = im.dir / "cleaning";
  for (Segment* seg : cleanable) {
    const std::int64_t base = seg->base_offset();
    Rewrite rw = rewrite_segment(*seg, latest, im.options, now_ms);
    next_horizon = std::min(next_horizon, rw.min_horizon);
    if (!rw.changed) continue;
    stats.records_removed += rw.records_removed;
    stats.bytes_before += seg->size();
    stats.bytes_after += rw.bytes.size();
    const std::string name = base_name(base);
    if (rw.bytes.empty() && base != im.segments.begin()->first) {
      // Nothing left and not the first segment (which holds the log start): unlink it.
      im.segments.at(base)->remove();
      im.segments.erase(base);
      ++stats.segments_removed;
      continue;
    }
    write_cleaned(work, base, rw.bytes, im.options, now_ms);
    if (stop_after == CleanStep::written) return stats;
    rename_file(work / (name + ".index"), im.dir / (name + ".index.swap"));
    rename_file(work / (name + ".timeindex"), im.dir / (name + ".timeindex.swap"));
    if (stop_after == CleanStep::indexes_staged) return stats;
    rename_file(work / (name + ".log"), im.dir / (name + ".log.swap"));
    sync_dir(im.dir);  // the commit point: recovery completes the swap from here on
    if (stop_after == CleanStep::committed) return stats;
    rename_file(im.dir / (name + ".index.swap"), im.dir / (name + ".index"));
    rename_file(im.dir / (name + ".timeindex.swap"), im.dir / (name + ".timeindex"));
    if (stop_after == CleanStep::indexes_swapped) return stats;
    rename_file(im.dir / (name + ".log.swap"), im.dir / (name + ".log"));
    sync_dir(im.dir);
    im.segments.at(base) = std::make_unique<Segment>(im.dir, base, im.options.index_interval_bytes);
    ++stats.segments_rewritten;
  }
  std::error_code ec;
  fs::remove_all(work, ec);
  write_file_atomic(im.dir / k_cleaner_checkpoint_file, std::to_string(end) + "\n");
  im.cleaner_checkpoint = end;
  im.next_horizon = next_horizon;
  return stats;
}

}  // namespace ftgo::broker::storage
