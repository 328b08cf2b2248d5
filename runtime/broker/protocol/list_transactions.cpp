#include "broker/protocol/list_transactions.hpp"

#include <algorithm>
#include <array>

#include "broker/broker.hpp"

namespace ftgo::broker::protocol {

namespace {
// Every state Kafka's coordinator has (TransactionState): filters naming one
// of these are known, even those this coordinator never reports.
constexpr std::array<std::string_view, 8> k_kafka_states = {
    "Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead",
    "PrepareEpochFence"};

template <class T>
bool passes(const std::vector<T>& filter, const T& value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}
}  // namespace

ListTransactionsRequest decode_list_transactions_request(Reader& r, std::int16_t version) {
  ListTransactionsRequest req;
  req.state_filters.resize(r.array_length_not_null(1, true));
  for (auto& s : req.state_filters) s = r.compact_string();
  req.producer_id_filters.resize(r.array_length_not_null(8, true));
  for (auto& p : req.producer_id_filters) p = r.i64();
  if (version >= 1) req.duration_filter_ms = r.i64();
  r.skip_tagged_fields(true);
  return req;
}

void encode_list_transactions_response(Writer& w, const ListTransactionsResponse& r, std::int16_t) {
  w.empty_tagged_fields();  // response header v1
  w.i32(r.throttle_time_ms);
  w.i16(r.error_code);
  w.compact_array_length(r.unknown_state_filters.size());
  for (const auto& s : r.unknown_state_filters) w.compact_string(s);
  w.compact_array_length(r.states.size());
  for (const auto& s : r.states) {
    w.compact_string(s.transactional_id);
    w.i64(s.producer_id);
    w.compact_string(s.state);
    w.empty_tagged_fields();
  }
  w.empty_tagged_fields();
}

void handle_list_transactions(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  ListTransactionsRequest req = decode_list_transactions_request(body, version);
  ListTransactionsResponse resp;
  for (const auto& s : req.state_filters)
    if (std::find(k_kafka_states.begin(), k_kafka_states.end(), s) == k_kafka_states.end())
      resp.unknown_state_filters.push_back(s);
  const std::int64_t now = broker.now_ms();
  for (const auto& [id, t] : broker.txns().transactions()) {
    std::string state = txn::to_string(t.status);
    if (!passes(req.state_filters, state) || !passes(req.producer_id_filters, t.producer_id)) continue;
    if (req.duration_filter_ms >= 0 &&
        (t.status != txn::TxnStatus::ongoing || now - t.started_ms < req.duration_filter_ms))
      continue;
    resp.states.push_back({id, t.producer_id, std::move(state)});
  }
  Writer w = Writer::response();
  encode_list_transactions_response(w, resp, version);
  reply(std::move(w));
}

}  // namespace ftgo::broker::protocol
