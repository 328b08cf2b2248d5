#include "broker/protocol/delete_records.hpp"

#include <fmt/format.h>

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"
#include "broker/protocol/per_partition.hpp"

namespace ftgo::broker::protocol {

DeleteRecordsRequest decode_delete_records_request(Reader& r, std::int16_t) {
  DeleteRecordsRequest req;
  req.topics.resize(r.array_length_not_null(6));
  for (auto& t : req.topics) {
    t.name = r.string();
    t.partitions.resize(r.array_length_not_null(12));
    for (auto& p : t.partitions) {
      p.index = r.i32();
      p.offset = r.i64();
    }
  }
  req.timeout_ms = r.i32();
  return req;
}

void encode_delete_records_response(Writer& w, const DeleteRecordsResponse& r, std::int16_t) {
  w.i32(r.throttle_time_ms);
  encode_per_partition(w, r.topics, [&](const auto& p) {
    w.i32(p.index);
    w.i64(p.low_watermark);
    w.i16(p.error_code);
  });
}

void handle_delete_records(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  auto req = decode_delete_records_request(body, version);
  DeleteRecordsResponse resp;
  answer_per_partition(req.topics, resp.topics, [&](const auto& t, const auto& p, auto& out) {
    storage::PartitionLog* log = broker.store().partition(t.name, p.index);
    if (!log) {
      out.error_code = error::unknown_topic_or_partition;
      return;
    }
    std::int64_t to = p.offset == -1 ? log->high_watermark() : p.offset;
    if (to < 0 || to > log->high_watermark()) {
      out.error_code = error::offset_out_of_range;
      return;
    }
    try {
      out.low_watermark = log->delete_records_before(to);
    } catch (const std::exception& e) {
      fmt::print(stderr, "ftgo broker: cannot delete records of {}-{}: {}\n", t.name, p.index, e.what());
      out.error_code = error::unknown_server_error;
    }
  });
  Writer w = Writer::response();
  encode_delete_records_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
