#include "broker/protocol/describe_transactions.hpp"

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"

namespace ftgo::broker::protocol {

DescribeTransactionsRequest decode_describe_transactions_request(Reader& r, std::int16_t) {
  DescribeTransactionsRequest req;
  req.transactional_ids.resize(r.array_length_not_null(1, true));
  for (auto& id : req.transactional_ids) id = r.compact_string();
  r.skip_tagged_fields(true);
  return req;
}

void encode_describe_transactions_response(Writer& w, const DescribeTransactionsResponse& r, std::int16_t) {
  w.empty_tagged_fields();  // response header v1
  w.i32(r.throttle_time_ms);
  w.compact_array_length(r.states.size());
  for (const auto& s : r.states) {
    w.i16(s.error_code);
    w.compact_string(s.transactional_id);
    w.compact_string(s.state);
    w.i32(s.timeout_ms);
    w.i64(s.start_time_ms);
    w.i64(s.producer_id);
    w.i16(s.producer_epoch);
    encode_topic_indexes(w, s.topics, true);
    w.empty_tagged_fields();
  }
  w.empty_tagged_fields();
}

void handle_describe_transactions(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  DescribeTransactionsRequest req = decode_describe_transactions_request(body, version);
  DescribeTransactionsResponse resp;
  for (const auto& id : req.transactional_ids) {
    auto& s = resp.states.emplace_back();
    s.transactional_id = id;
    const txn::Transaction* t = broker.txns().find(id);
    if (!t) {
      s.error_code = error::transactional_id_not_found;
      continue;
    }
    s.state = txn::to_string(t->status);
    s.timeout_ms = t->timeout_ms;
    s.start_time_ms = t->started_ms;
    s.producer_id = t->producer_id;
    s.producer_epoch = t->epoch;
    for (const auto& tp : t->partitions) {  // sorted by topic, then partition
      if (s.topics.empty() || s.topics.back().name != tp.topic) s.topics.push_back({tp.topic, {}});
      s.topics.back().partitions.push_back(tp.partition);
    }
  }
  Writer w = Writer::response();
  encode_describe_transactions_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
