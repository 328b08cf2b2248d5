#include "broker/protocol/list_offsets.hpp"

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"
#include "broker/protocol/per_partition.hpp"
#include "broker/record_batch.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr std::int64_t k_latest = -1;
constexpr std::int64_t k_earliest = -2;

// A zigzag varint of up to 64 bits at p[pos..end); false when malformed.
bool read_varlong(const std::uint8_t* p, std::size_t end, std::size_t& pos, std::int64_t& out) {
  std::uint64_t u = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= end) return false;
    std::uint8_t b = p[pos++];
    u |= std::uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      out = static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
      return true;
    }
  }
  return false;
}

struct Found {
  std::int64_t offset = -1;
  std::int64_t timestamp = -1;
};

// The first record at or after `ts`, from the batch holding `start` (which the
// log found by the batches' max timestamps) on, and never one below the log
// start offset: after DeleteRecords the first batch may be partly deleted
// (Kafka's findOffsetByTimestamp(ts, logStartOffset)). Compressed and
// LogAppendTime batches answer with the batch: its first offset still in the
// log and its max timestamp.
Found find_by_timestamp(storage::PartitionLog& log, std::int64_t start, std::int64_t ts) {
  const std::int64_t first = log.log_start_offset();
  std::string buf;
  for (std::int64_t at = std::max(start, first); at < log.high_watermark();) {
    buf.clear();
    if (log.read(at, 1, buf) == 0) return {};
    auto* p = reinterpret_cast<const std::uint8_t*>(buf.data());
    BatchHeader h;
    if (parse_batch_header({p, buf.size()}, h) != BatchError::none) return {};
    Found batch{std::max(h.base_offset, first), h.max_timestamp};
    if (h.compression() != 0 || h.log_append_time()) {
      if (h.max_timestamp >= ts) return batch;
      at = h.last_offset() + 1;
      continue;
    }
    std::size_t pos = k_batch_header_size, end = h.total_size();
    for (std::int32_t i = 0; i < h.record_count; ++i) {
      std::int64_t length = 0, ts_delta = 0, offset_delta = 0;
      if (!read_varlong(p, end, pos, length) || length < 0) return batch;
      std::size_t next = pos + static_cast<std::size_t>(length);
      ++pos;  // attributes
      if (!read_varlong(p, end, pos, ts_delta) || !read_varlong(p, end, pos, offset_delta)) return batch;
      if (h.base_offset + offset_delta >= first && h.base_timestamp + ts_delta >= ts)
        return {h.base_offset + offset_delta, h.base_timestamp + ts_delta};
      pos = next;
    }
    at = h.last_offset() + 1;
  }
  return {};
}
}  // namespace

ListOffsetsRequest decode_list_offsets_request(Reader& r, std::int16_t version) {
  ListOffsetsRequest req;
  req.replica_id = r.i32();
  if (version >= 2) req.isolation_level = r.i8();
  std::int32_t n = r.array_length_not_null(6);
  req.topics.resize(n);
  for (auto& t : req.topics) {
    t.name = r.string();
    std::int32_t np = r.array_length_not_null(12);
    t.partitions.resize(np);
    for (auto& p : t.partitions) {
      p.index = r.i32();
      if (version >= 4) p.current_leader_epoch = r.i32();
      p.timestamp = r.i64();
    }
  }
  return req;
}

void encode_list_offsets_response(Writer& w, const ListOffsetsResponse& r, std::int16_t version) {
  if (version >= 2) w.i32(r.throttle_time_ms);
  w.array_length(r.topics.size());
  for (const auto& t : r.topics) {
    w.string(t.name);
    w.array_length(t.partitions.size());
    for (const auto& p : t.partitions) {
      w.i32(p.index);
      w.i16(p.error_code);
      w.i64(p.timestamp);
      w.i64(p.offset);
      if (version >= 4) w.i32(p.leader_epoch);
    }
  }
}

void handle_list_offsets(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  ListOffsetsRequest req = decode_list_offsets_request(body, version);
  ListOffsetsResponse resp;
  answer_per_partition(req.topics, resp.topics, [&](const auto& t, const auto& p, auto& rp) {
    storage::PartitionLog* log = broker.store().partition(t.name, p.index);
    if (!log) {
      rp.error_code = error::unknown_topic_or_partition;
    } else if (p.timestamp == k_latest) {
      rp.offset = log->high_watermark();
    } else if (p.timestamp == k_earliest) {
      rp.offset = log->log_start_offset();
    } else {
      std::int64_t offset = log->offset_for_timestamp(p.timestamp);
      if (offset < log->high_watermark()) {
        Found found = find_by_timestamp(*log, offset, p.timestamp);
        rp.offset = found.offset;
        rp.timestamp = found.timestamp;
      }
    }
  });
  Writer w = Writer::response();
  encode_list_offsets_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
