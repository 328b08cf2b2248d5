#include "broker/protocol/list_offsets.hpp"

#include <fmt/format.h>

#include <string>

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"
#include "broker/protocol/per_partition.hpp"
#include "broker/record_batch.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr std::int64_t k_latest = -1;
constexpr std::int64_t k_earliest = -2;
constexpr std::int64_t k_max_timestamp = -3;
constexpr std::int64_t k_earliest_local = -4;
constexpr std::int64_t k_latest_tiered = -5;

bool is_flexible(std::int16_t version) { return version >= find_api(api_key::list_offsets)->flexible_from; }

struct Found {
  std::int64_t offset = -1;
  std::int64_t timestamp = -1;
};

// Calls visit(header, batch) for each batch of `log` from the one holding
// `from` up to offset `end`, until visit returns false or a batch cannot be read.
template <class Visit>
void for_each_batch(const storage::PartitionLog& log, std::int64_t from, std::int64_t end, Visit&& visit) {
  std::string buf;
  BatchHeader h;
  for (std::int64_t at = from; at < end; at = std::max(at + 1, h.last_offset() + 1)) {
    buf.clear();
    if (log.read(at, 1, buf) == 0) return;
    std::span<const std::uint8_t> batch{reinterpret_cast<const std::uint8_t*>(buf.data()), buf.size()};
    if (parse_batch_header(batch, h) != BatchError::none || !visit(h, batch.first(h.total_size()))) return;
  }
}

// A batch that could not be walked answers for itself; unless that is because
// it is LogAppendTime (no reason given), the reason is logged with where.
void answered_with_batch(const storage::PartitionLog& log, std::int64_t base_offset, const std::string& why) {
  if (why.empty()) return;
  fmt::print(stderr, "ftgo broker: ListOffsets: {}: batch at offset {}: {}; answering with the batch's first offset\n",
             log.dir().string(), base_offset, why);
}

// The first record at or after `ts`, as Kafka finds it
// (UnifiedLog.searchOffsetInLocalLog): only in the first segment whose max
// timestamp reaches `ts`, from its first batch that does (the log finds them
// by the batches' max timestamps), and never one below the log start offset:
// after DeleteRecords that segment may be partly deleted, and when all its
// records at or after `ts` are, the answer is none even if a later segment
// has one. Inside a batch, the first record at or after `ts` and not below
// the log start offset, compressed batches included: they are decompressed
// as far as that record (for_each_record; Kafka's FileRecords.searchForTimestamp
// iterates the batch's records). LogAppendTime batches, and compressed ones
// that do not decompress within the cap (corrupt, truncated, a bomb), answer
// with the batch: its first offset still in the log and its max timestamp;
// those are logged (answered_with_batch).
Found find_by_timestamp(const storage::PartitionLog& log, std::int64_t ts) {
  const std::int64_t first = log.log_start_offset();
  std::int64_t segment_end = 0;
  const std::int64_t start = log.offset_for_timestamp(ts, &segment_end);
  Found found;
  auto visit = [&](const BatchHeader& h, std::span<const std::uint8_t> batch) {
    if (h.max_timestamp < ts) return true;  // nothing in it reaches ts: not decompressed (as Kafka)
    std::string why;
    bool walked = for_each_record(
        batch,
        [&](std::int64_t offset, std::int64_t record_ts) {
          if (offset < first || record_ts < ts) return true;
          found = {offset, record_ts};
          return false;
        },
        &why);
    if (!walked) {
      answered_with_batch(log, h.base_offset, why);
      found = {std::max(h.base_offset, first), h.max_timestamp};
    }
    return found.offset < 0;
  };
  for_each_batch(log, std::max(start, first), segment_end, visit);
  return found;
}

// Timestamp -3, as Kafka answers it (UnifiedLog.fetchOffsetByTimestamp): in
// the first segment with the largest max timestamp, the first batch whose max
// timestamp it is, and in that batch (RecordBatch.offsetOfMaxTimestamp) the
// first record with it. Example: batches [0: 500, 1: 900, 2: 700] and
// [3: 900, 4: 100] answer offset 1, time 900. No log start offset check, as
// in Kafka: DeleteRecords leaves the deleted records in their segment until
// the whole segment goes, and they still count (after deleting offsets 0-1
// above, still offset 1). A compressed batch is decompressed as far as that
// record, as Kafka does. LogAppendTime batches (every record has the batch's
// time) and compressed ones that do not decompress within the cap answer
// their base offset. An empty log, or a batch none of whose records has its
// max timestamp, answers -1, -1.
Found find_max_timestamp(const storage::PartitionLog& log) {
  std::string buf;
  if (log.read_max_timestamp_batch(buf) == 0) return {};
  std::span<const std::uint8_t> batch{reinterpret_cast<const std::uint8_t*>(buf.data()), buf.size()};
  BatchHeader h;
  if (parse_batch_header(batch, h) != BatchError::none) return {};
  Found found;
  std::string why;
  bool walked = for_each_record(
      batch.first(h.total_size()),
      [&](std::int64_t offset, std::int64_t ts) {
        if (ts != h.max_timestamp) return true;
        found = {offset, ts};
        return false;
      },
      &why);
  if (walked) return found;
  answered_with_batch(log, h.base_offset, why);
  return {h.base_offset, h.max_timestamp};
}

Found lookup(const storage::PartitionLog& log, std::int64_t timestamp) {
  switch (timestamp) {
    case k_latest:
      return {log.high_watermark(), -1};
    case k_earliest:
    case k_earliest_local:
      return {log.log_start_offset(), -1};
    case k_max_timestamp:
      return find_max_timestamp(log);
    case k_latest_tiered:
      return {};
    default:
      return find_by_timestamp(log, timestamp);
  }
}
}  // namespace

ListOffsetsRequest decode_list_offsets_request(Reader& r, std::int16_t version) {
  const bool flexible = is_flexible(version);
  ListOffsetsRequest req;
  req.replica_id = r.i32();
  if (version >= 2) req.isolation_level = r.i8();
  decode_per_partition(
      r, req.topics,
      [&](Reader& in, ListOffsetsRequest::Partition& p) {
        p.index = in.i32();
        if (version >= 4) p.current_leader_epoch = in.i32();
        p.timestamp = in.i64();
      },
      flexible, flexible ? 3 : 6, 12);
  r.skip_tagged_fields(flexible);
  return req;
}

void encode_list_offsets_response(Writer& w, const ListOffsetsResponse& r, std::int16_t version) {
  const bool flexible = is_flexible(version);
  w.empty_tagged_fields(flexible);  // response header v1
  if (version >= 2) w.i32(r.throttle_time_ms);
  encode_per_partition(
      w, r.topics,
      [&](const ListOffsetsResponse::Partition& p) {
        w.i32(p.index);
        w.i16(p.error_code);
        w.i64(p.timestamp);
        w.i64(p.offset);
        if (version >= 4) w.i32(p.leader_epoch);
      },
      flexible);
  w.empty_tagged_fields(flexible);
}

void handle_list_offsets(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  ListOffsetsRequest req = decode_list_offsets_request(body, version);
  ListOffsetsResponse resp;
  answer_per_partition(req.topics, resp.topics, [&](const auto& t, const auto& p, auto& rp) {
    storage::PartitionLog* log = broker.store().partition(t.name, p.index);
    if (!log) rp.error_code = error::unknown_topic_or_partition;
    Found found = log ? lookup(*log, p.timestamp) : Found{};
    // READ_COMMITTED's latest is the last stable offset.
    if (log && p.timestamp == k_latest && req.isolation_level == 1)
      found.offset = broker.txns().last_stable_offset({t.name, p.index}, found.offset);
    rp.offset = found.offset;
    rp.timestamp = found.timestamp;
    rp.leader_epoch = found.offset < 0 ? -1 : 0;  // Kafka's -1: an error, or nothing found
  });
  Writer w = Writer::response();
  encode_list_offsets_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
