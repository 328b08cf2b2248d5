#include "broker/protocol/describe_log_dirs.hpp"

#include "broker/broker.hpp"
#include "broker/protocol/per_partition.hpp"

namespace ftgo::broker::protocol {

DescribeLogDirsRequest decode_describe_log_dirs_request(Reader& r, std::int16_t) {
  DescribeLogDirsRequest req;
  if (auto n = r.array_length(6)) {
    req.topics.emplace(*n);
    for (auto& t : *req.topics) {
      t.name = r.string();
      t.partitions.resize(r.array_length_not_null(4));
      for (auto& p : t.partitions) p = r.i32();
    }
  }
  return req;
}

void encode_describe_log_dirs_response(Writer& w, const DescribeLogDirsResponse& r, std::int16_t) {
  w.i32(r.throttle_time_ms);
  w.array_length(r.results.size());
  for (const auto& res : r.results) {
    w.i16(res.error_code);
    w.string(res.log_dir);
    encode_per_partition(w, res.topics, [&](const auto& p) {
      w.i32(p.index);
      w.i64(p.size);
      w.i64(p.offset_lag);
      w.boolean(p.is_future);
    });
  }
}

void handle_describe_log_dirs(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  auto req = decode_describe_log_dirs_request(body, version);
  auto& store = broker.store();
  if (!req.topics) {
    req.topics.emplace();
    for (const auto& info : store.topics()) {
      auto& t = req.topics->emplace_back();
      t.name = info.name;
      for (int p = 0; p < info.partitions; ++p) t.partitions.push_back(p);
    }
  }
  DescribeLogDirsResponse resp;
  auto& dir = resp.results.emplace_back();
  dir.log_dir = fs::absolute(store.data_dir() / "topics").string();
  for (const auto& t : *req.topics) {
    DescribeLogDirsResponse::Topic out{t.name, {}};
    for (std::int32_t p : t.partitions) {
      if (const auto* log = store.partition(t.name, p))
        out.partitions.push_back({p, static_cast<std::int64_t>(log->size_bytes()), 0, false});
    }
    if (!out.partitions.empty()) dir.topics.push_back(std::move(out));
  }
  Writer w = Writer::response();
  encode_describe_log_dirs_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
