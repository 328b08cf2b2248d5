// run_clean_job: the cleaner thread's part of a pass (clean_job.hpp). Worked
// example: closed segments 0 [k1@0 k2@1 k1@2] and 3 [k2@3 k1=tombstone@4],
// active 5. The key map of the dirty segments (both, on a first pass) is
// k1->4, k2->3; segment 0 is rewritten to nothing (every record superseded),
// segment 3 keeps k2@3 and the tombstone, whose batch gets the delete horizon
// now + delete.retention.ms. A pass after the horizon drops the tombstone.
// Consumers reading from 0 get offsets 3 and 4 (then 5...): gaps, never a
// changed offset. With a key map bounded to one key (dedupe buffer), the
// first pass maps k1@0 only (k2@1 would not fit): it cleans up to offset 1
// and leaves the rest dirty for the next pass.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "broker/record_batch.hpp"
#include "broker/records.hpp"
#include "broker/storage/clean_job.hpp"
#include "broker/storage/segment.hpp"

namespace ftgo::broker::storage {
namespace {

constexpr std::size_t k_read_chunk = 1 << 20;
constexpr std::int16_t k_delete_horizon_flag = 0x40;
// What one key costs in the map besides its bytes: the hash node, the
// string and the offset (an estimate, for the dedupe buffer's bound).
constexpr std::size_t k_key_overhead = 48;

struct Cancelled {};

std::string_view key_of(const Record& r) { return {reinterpret_cast<const char*>(r.key.data()), r.key.size()}; }

// Calls fn(header, bytes, position) for each batch of `file` in [from, to),
// reading 1 MiB at a time (a larger batch whole). Stops at a batch that does
// not parse (recovery truncated torn tails on open), and when the job is cancelled.
template <typename Fn>
void for_each_batch(const CleanJob& job, const File& file, std::uint64_t from, std::uint64_t to, Fn&& fn) {
  std::string buf;
  std::uint64_t pos = from;
  while (pos < to) {
    if (job.cancelled.load(std::memory_order_relaxed)) throw Cancelled{};
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(k_read_chunk, to - pos));
    buf.resize(want);
    buf.resize(file.pread_some(buf.data(), want, pos));
    BatchHeader first;
    if (buf.size() >= k_batch_header_size &&
        decode_batch_header(reinterpret_cast<const std::uint8_t*>(buf.data()), first) == BatchError::none &&
        first.total_size() > buf.size() && pos + first.total_size() <= to) {
      std::size_t had = buf.size();
      buf.resize(first.total_size());
      buf.resize(had + file.pread_some(buf.data() + had, buf.size() - had, pos + had));
    }
    BatchCursor c({reinterpret_cast<const std::uint8_t*>(buf.data()), buf.size()});
    std::size_t consumed = 0;
    while (c.next()) {
      fn(c.header(), c.bytes(), pos + c.position());
      consumed = c.position() + c.header().total_size();
    }
    if (consumed == 0) return;
    pos += consumed;
  }
}

// Opens `in` to read it; nullopt when it was removed since the plan (its name
// is gone, or names another file): the io thread dropped it meanwhile.
std::optional<File> open_input(CleanJob& job, const CleanInput& in) {
  std::optional<File> f = File::open_existing(Segment::log_file(job.dir, in.base));
  if (f && f->id() == in.id) return f;
  ++job.inputs_gone;
  return std::nullopt;
}

// A batch of an aborted transaction (kept as it is, its keys not mapped).
bool aborted_batch(const CleanJob& job, const BatchHeader& h) {
  if (!h.transactional() || job.aborted.empty()) return false;
  return std::any_of(job.aborted.begin(), job.aborted.end(), [&](const AbortedRange& a) {
    return a.producer_id == h.producer_id && h.base_offset >= a.first_offset && h.base_offset <= a.last_offset;
  });
}

// The newest offset of each key, from the job's checkpoint on, within the
// dedupe buffer (LogOptions::cleaner_dedupe_buffer_bytes).
struct KeyMap {
  std::unordered_map<std::string, std::int64_t> latest;
  std::size_t bytes = 0;
};

// Maps the dirty records batch by batch until a batch's new keys would not
// fit (at least one batch is always mapped); sets job.clean_end to the first
// offset not mapped.
KeyMap build_key_map(CleanJob& job) {
  KeyMap map;
  job.clean_end = job.end;
  const std::size_t budget = job.options.cleaner_dedupe_buffer_bytes;
  std::string scratch;
  std::vector<Record> records;
  bool mapped_any = false;
  for (const CleanInput& in : job.segments) {
    if (in.next_offset <= job.checkpoint) continue;
    // A segment removed meanwhile is not mapped: retention and DeleteRecords
    // remove a prefix of the log, so the segments before it are gone too and
    // none of theirs is swapped in; the records after it are newer than its
    // own, so the map's newest offsets for them are the same.
    std::optional<File> file = open_input(job, in);
    if (!file) continue;
    bool full = false;
    for_each_batch(job, *file, 0, in.size, [&](const BatchHeader& h, std::span<const std::uint8_t> bytes, std::uint64_t) {
      if (full || h.last_offset() < job.checkpoint) return;
      if (h.control() || aborted_batch(job, h) || !decode_batch_records(bytes, h, scratch, records)) return;
      std::size_t cost = 0;
      for (const Record& r : records)
        if (!r.key_null && !map.latest.count(std::string(key_of(r)))) cost += r.key.size() + k_key_overhead;
      if (mapped_any && map.bytes + cost > budget) {
        full = true;
        job.clean_end = std::max(job.checkpoint, h.base_offset);
        return;
      }
      mapped_any = true;
      map.bytes += cost;
      for (const Record& r : records) {
        std::int64_t offset = h.base_offset + r.offset_delta;
        if (!r.key_null && offset >= job.checkpoint) map.latest[std::string(key_of(r))] = offset;
      }
    });
    if (full) break;
  }
  job.keys_mapped = map.latest.size();
  return map;
}

// What the cleaner keeps of one batch: true when the batch stays as it is;
// otherwise `rebuilt` gets its replacement (empty: the batch goes). A control
// batch, or one whose records do not decode, is kept as it is; so is a batch
// from clean_end on (not mapped: Kafka's cleaner retains a record past the
// map's latest offset). A tombstone there must get no delete horizon, nor
// be dropped, before a pass maps it and drops its key's older values.
bool clean_batch(const CleanJob& job, const BatchHeader& h, std::span<const std::uint8_t> bytes, const KeyMap& map,
                 std::string& scratch, std::vector<Record>& records, std::string& rebuilt, CleanOutput& out,
                 std::int64_t& min_horizon) {
  if (h.base_offset >= job.clean_end) return true;
  if (h.control() || aborted_batch(job, h) || !decode_batch_records(bytes, h, scratch, records)) return true;
  const bool had_horizon = h.has_delete_horizon();
  std::vector<Record> kept;
  bool tombstones = false;
  for (const Record& r : records) {
    std::int64_t offset = h.base_offset + r.offset_delta;
    if (r.key_null) continue;  // not valid in a compacted log: Kafka's cleaner drops it too
    auto it = map.latest.find(std::string(key_of(r)));
    if (it != map.latest.end() && it->second > offset) continue;  // superseded
    if (r.value_null) {
      if (had_horizon && h.base_timestamp <= job.now_ms) continue;  // a tombstone past its horizon
      tombstones = true;
    }
    kept.push_back(r);
  }
  out.records_removed += static_cast<std::int64_t>(records.size() - kept.size());
  if (kept.size() == records.size() && (had_horizon || !tombstones)) {
    if (tombstones) min_horizon = std::min(min_horizon, h.base_timestamp);
    return true;
  }
  if (kept.empty()) return false;
  BatchHeader nh = h;
  if (tombstones && !had_horizon) {
    nh.attributes = static_cast<std::int16_t>(nh.attributes | k_delete_horizon_flag);
    nh.base_timestamp = job.now_ms + job.options.delete_retention_ms;
  }
  if (tombstones) min_horizon = std::min(min_horizon, nh.base_timestamp);
  std::int64_t max_ts = -1;
  for (Record& r : kept) {
    std::int64_t ts = h.base_timestamp + r.timestamp_delta;
    max_ts = std::max(max_ts, ts);
    r.timestamp_delta = ts - nh.base_timestamp;
  }
  if (h.log_append_time()) max_ts = h.max_timestamp;
  rebuilt = build_batch(nh, kept, max_ts);
  return false;
}

// The cleaned copy of one segment in the work directory, written 1 MiB at a time.
class SegmentWriter {
 public:
  SegmentWriter(const CleanJob& job, std::int64_t base)
      : m_job(job), m_out(std::make_unique<Segment>(job.work, base, job.options.index_interval_bytes)) {}
  void add(std::span<const std::uint8_t> batch) {
    m_pending.append(reinterpret_cast<const char*>(batch.data()), batch.size());
    if (m_pending.size() >= k_read_chunk) flush();
  }
  std::uint64_t finish() {
    flush();
    m_out->sync();
    return m_out->size();
  }

 private:
  void flush() {
    if (m_pending.empty()) return;
    auto data = std::span(reinterpret_cast<const std::uint8_t*>(m_pending.data()), m_pending.size());
    m_headers.clear();
    BatchCursor c(data);
    while (c.next()) m_headers.push_back(c.header());
    m_out->append(data, m_headers, m_job.now_ms);
    m_pending.clear();
  }

  const CleanJob& m_job;
  std::unique_ptr<Segment> m_out;
  std::string m_pending;
  std::vector<BatchHeader> m_headers;
};

// Rewrites a group of consecutive segments into one segment of the work
// directory, named after the first: always when the group has several
// (they are merged), else when cleaning changes the segment. Batches kept as
// they are before a lone segment's first change are copied from the input.
void rewrite_group(CleanJob& job, std::span<const CleanInput> group, const KeyMap& map) {
  CleanOutput out;
  out.base = group.front().base;
  out.size_before = group.front().size;
  for (const CleanInput& in : group.subspan(1)) out.merged.emplace_back(in.base, in.size);
  std::unique_ptr<SegmentWriter> writer;
  if (group.size() > 1) writer = std::make_unique<SegmentWriter>(job, out.base);
  std::string scratch, rebuilt;
  std::vector<Record> records;
  for (const CleanInput& in : group) {
    std::optional<File> file = open_input(job, in);
    if (!file) {
      // Removed meanwhile: the group is not swapped in (finish_clean keeps
      // the checkpoint below what is left of it).
      out.abandoned = true;
      job.outputs.push_back(out);
      return;
    }
    std::uint64_t prefix_end = 0;
    for_each_batch(job, *file, 0, in.size, [&](const BatchHeader& h, std::span<const std::uint8_t> bytes, std::uint64_t pos) {
      rebuilt.clear();
      bool as_is = clean_batch(job, h, bytes, map, scratch, records, rebuilt, out, job.next_horizon);
      if (!writer) {
        if (as_is) {
          prefix_end = pos + h.total_size();
          return;
        }
        writer = std::make_unique<SegmentWriter>(job, in.base);
        for_each_batch(job, *file, 0, prefix_end,
                       [&](const BatchHeader&, std::span<const std::uint8_t> b, std::uint64_t) { writer->add(b); });
      }
      if (as_is) writer->add(bytes);
      else if (!rebuilt.empty()) writer->add({reinterpret_cast<const std::uint8_t*>(rebuilt.data()), rebuilt.size()});
    });
  }
  if (!writer) return;
  out.size_after = writer->finish();
  out.empty = out.size_after == 0;
  job.outputs.push_back(out);
}

// The earliest delete horizon of the batches below the checkpoint.
std::int64_t clean_horizon(CleanJob& job) {
  std::int64_t horizon = INT64_MAX;
  for (const CleanInput& in : job.segments) {
    if (in.base >= job.checkpoint) break;
    std::optional<File> file = open_input(job, in);
    if (!file) continue;  // removed meanwhile: its tombstones are gone with it
    for_each_batch(job, *file, 0, in.size, [&](const BatchHeader& h, std::span<const std::uint8_t>, std::uint64_t) {
      if (h.has_delete_horizon() && h.base_offset < job.checkpoint) horizon = std::min(horizon, h.base_timestamp);
    });
  }
  return horizon;
}

}  // namespace

void run_clean_job(CleanJob& job) {
  try {
    if (job.horizon_unknown) {
      job.clean_horizon = clean_horizon(job);
      if (job.clean_horizon > job.now_ms) return;  // nothing due: the io thread records the horizon
    }
    job.ran = true;
    KeyMap map = build_key_map(job);
    // Groups of consecutive segments of at most segment.bytes together (and
    // offsets an index can hold), each merged into one (Kafka's
    // LogCleaner.groupSegmentsBySize): cleaned segments do not stay small.
    std::size_t n = 0;
    while (n < job.segments.size() && job.segments[n].base < job.clean_end) ++n;
    for (std::size_t i = 0; i < n;) {
      std::size_t j = i + 1;
      std::uint64_t total = job.segments[i].size;
      while (j < n && total + job.segments[j].size <= job.options.segment_bytes &&
             job.segments[j].next_offset - job.segments[i].base <= INT32_MAX) {
        total += job.segments[j].size;
        ++j;
      }
      rewrite_group(job, std::span(job.segments).subspan(i, j - i), map);
      i = j;
    }
    if (!job.outputs.empty()) sync_dir(job.work);
  } catch (const Cancelled&) {
    job.error = "cancelled";
  } catch (const std::exception& e) {
    job.error = e.what();
  }
}

}  // namespace ftgo::broker::storage
