#include "broker/protocol/fetch.hpp"

#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "broker/broker.hpp"
#include "broker/protocol/errors.hpp"
#include "broker/protocol/fetch_context.hpp"
#include "broker/protocol/per_partition.hpp"
#include "broker/record_batch.hpp"

namespace ftgo::broker::protocol {

namespace {
constexpr std::int16_t k_first_supported_version = 4;  // record batch v2

// A Fetch waiting for data: woken by an append to one of its partitions or
// by its timer (max_wait_ms), whichever comes first; replies once.
class ParkedFetch : public AppendWaiter, public std::enable_shared_from_this<ParkedFetch> {
 public:
  ParkedFetch(Broker& broker, FetchContext ctx, std::int16_t version, Reply reply)
      : m_broker(broker), m_ctx(std::move(ctx)), m_version(version), m_reply(std::move(reply)),
        m_timer(broker.io()) {}

  void park() {
    wait();
    m_timer.expires_after(std::chrono::milliseconds(m_ctx.request().max_wait_ms));
    m_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->finish();
    });
  }

  void on_append() override {
    if (m_done) return;
    std::size_t bytes = 0;
    bool error = false;
    FetchResponse resp = read_fetch(m_broker, m_ctx.request(), m_version, bytes, error);
    if (m_broker.stopping() || error || m_ctx.answer_now() ||
        bytes >= static_cast<std::size_t>(std::max(0, m_ctx.request().min_bytes))) {
      send(resp);
      return;
    }
    wait();  // not enough yet (min_bytes): wait on for the next append
  }

 private:
  void wait() {
    for (const auto& t : m_ctx.request().topics) {
      for (const auto& p : t.partitions) m_broker.wait_for_append(t.name, p.index, weak_from_this());
    }
  }

  void finish() {
    if (m_done) return;
    std::size_t bytes = 0;
    bool error = false;
    FetchResponse resp = read_fetch(m_broker, m_ctx.request(), m_version, bytes, error);
    send(resp);
  }

  void send(FetchResponse& resp) {
    m_done = true;
    m_timer.cancel();
    m_ctx.finish(resp, m_broker.steady_ms());
    Writer w = Writer::response();
    encode_fetch_response(w, resp, m_version);
    auto reply = std::move(m_reply);
    reply(std::move(w));
  }

  Broker& m_broker;
  FetchContext m_ctx;
  std::int16_t m_version;
  Reply m_reply;
  boost::asio::steady_timer m_timer;
  bool m_done = false;
};
}  // namespace

FetchRequest decode_fetch_request(Reader& r, std::int16_t version) {
  FetchRequest req;
  req.replica_id = r.i32();
  req.max_wait_ms = r.i32();
  req.min_bytes = r.i32();
  if (version >= 3) req.max_bytes = r.i32();
  if (version >= 4) req.isolation_level = r.i8();
  if (version >= 7) {
    req.session_id = r.i32();
    req.session_epoch = r.i32();
  }
  std::int32_t n = r.array_length_not_null(6);
  req.topics.resize(n);
  for (auto& t : req.topics) {
    t.name = r.string();
    std::int32_t np = r.array_length_not_null(16);
    t.partitions.resize(np);
    for (auto& p : t.partitions) {
      p.index = r.i32();
      if (version >= 9) p.current_leader_epoch = r.i32();
      p.fetch_offset = r.i64();
      if (version >= 5) p.log_start_offset = r.i64();
      p.max_bytes = r.i32();
    }
  }
  if (version >= 7) {
    req.forgotten.resize(r.array_length_not_null(6));
    for (auto& f : req.forgotten) {
      f.name = r.string();
      f.partitions.resize(r.array_length_not_null(4));
      for (auto& index : f.partitions) index = r.i32();
    }
  }
  if (version >= 11) req.rack_id = r.string();
  return req;
}

void encode_fetch_response(Writer& w, const FetchResponse& r, std::int16_t version) {
  if (version >= 1) w.i32(r.throttle_time_ms);
  if (version >= 7) {
    w.i16(r.error_code);
    w.i32(r.session_id);
  }
  w.array_length(r.topics.size());
  for (const auto& t : r.topics) {
    w.string(t.name);
    w.array_length(t.partitions.size());
    for (const auto& p : t.partitions) {
      w.i32(p.index);
      w.i16(p.error_code);
      w.i64(p.high_watermark);
      if (version >= 4) w.i64(p.last_stable_offset);
      if (version >= 5) w.i64(p.log_start_offset);
      if (version >= 4) {
        w.array_length(p.aborted.size());
        for (const auto& a : p.aborted) {
          w.i64(a.producer_id);
          w.i64(a.first_offset);
        }
      }
      if (version >= 11) w.i32(-1);          // preferred read replica
      w.bytes(p.records);
    }
  }
}

namespace {
constexpr std::int8_t k_read_committed = 1;

// Cuts `records` (whole batches) before the first batch at or above `lso`;
// returns the offset after the last batch kept (`from` when none is).
std::int64_t keep_below(std::string& records, std::int64_t lso, std::int64_t from) {
  std::span<const std::uint8_t> buf{reinterpret_cast<const std::uint8_t*>(records.data()), records.size()};
  std::size_t pos = 0;
  std::int64_t end = from;
  BatchHeader h;
  while (pos < buf.size() && parse_batch_header(buf.subspan(pos), h) == BatchError::none && h.base_offset < lso) {
    pos += h.total_size();
    end = h.last_offset() + 1;
  }
  records.resize(pos);
  return end;
}
}  // namespace

FetchResponse read_fetch(Broker& broker, const FetchRequest& req, std::int16_t version, std::size_t& bytes,
                         bool& error) {
  FetchResponse resp;
  bytes = 0;
  error = false;
  std::size_t budget = req.max_bytes > 0 ? static_cast<std::size_t>(req.max_bytes) : 0;
  answer_per_partition(req.topics, resp.topics, [&](const auto& t, const auto& p, auto& rp) {
    auto fail = [&](std::int16_t code) {
      rp.error_code = code;
      error = true;
    };
    if (version < k_first_supported_version) return fail(error::unsupported_version);
    storage::PartitionLog* log = broker.store().partition(t.name, p.index);
    if (!log) return fail(error::unknown_topic_or_partition);
    rp.high_watermark = log->high_watermark();
    rp.last_stable_offset = rp.high_watermark;
    const bool txn_state = broker.txns().has_partition_state();
    if (txn_state) rp.last_stable_offset = broker.txns().last_stable_offset({t.name, p.index}, rp.high_watermark);
    rp.log_start_offset = log->log_start_offset();
    if (p.fetch_offset > rp.high_watermark || p.fetch_offset < rp.log_start_offset)
      return fail(error::offset_out_of_range);
    if (p.fetch_offset == rp.high_watermark || p.max_bytes <= 0) return;
    const bool committed = req.isolation_level == k_read_committed && txn_state;
    if (committed && p.fetch_offset >= rp.last_stable_offset) return;
    // At least one whole batch in the response (KIP-74), then within limits.
    if (bytes > 0 && bytes >= budget) return;
    std::size_t limit = static_cast<std::size_t>(p.max_bytes);
    if (bytes > 0) limit = std::min(limit, budget - bytes);
    std::size_t n = log->read(p.fetch_offset, limit, rp.records);
    if (committed) {
      std::int64_t end = keep_below(rp.records, rp.last_stable_offset, p.fetch_offset);
      n = rp.records.size();
      rp.aborted = broker.txns().aborted_in({t.name, p.index}, p.fetch_offset, end);
    }
    bytes += n;
  });
  return resp;
}

void handle_fetch(Broker& broker, const Request& request, Reader& body, Reply reply) {
  const std::int16_t version = request.header.api_version;
  FetchContext ctx =
      FetchContext::open(broker.fetch_sessions(), decode_fetch_request(body, version), version, broker.steady_ms());
  const FetchRequest& req = ctx.request();
  std::size_t bytes = 0;
  bool error = false;
  FetchResponse resp;
  if (ctx.error() == error::none) resp = read_fetch(broker, req, version, bytes, error);
  bool enough = error || ctx.answer_now() || bytes >= static_cast<std::size_t>(std::max(0, req.min_bytes));
  if (enough || req.max_wait_ms <= 0 || broker.stopping() || req.topics.empty()) {
    ctx.finish(resp, broker.steady_ms());
    Writer w = Writer::response();
    encode_fetch_response(w, resp, version);
    return reply(std::move(w));
  }
  auto parked = std::make_shared<ParkedFetch>(broker, std::move(ctx), version, std::move(reply));
  parked->park();
}

}  // namespace ftgo::broker::protocol
