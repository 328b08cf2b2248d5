#include "broker/connection.hpp"

#include <fmt/format.h>

#include <boost/asio/write.hpp>
#include <cstring>

#include "broker/broker.hpp"
#include "broker/server.hpp"

namespace ftgo::broker {

namespace asio = boost::asio;
using protocol::Reader;
using protocol::Writer;

namespace {
constexpr std::size_t k_read_chunk = 64u << 10;
// A buffer grown for large frames (producers send ~1 MiB requests) is kept up
// to this size, so it is not reallocated and zeroed for every request.
constexpr std::size_t k_keep_buffer_bytes = 8u << 20;
constexpr std::size_t k_min_read = 16u << 10;
constexpr std::size_t k_min_frame_bytes = 8;  // api key, version, correlation id
constexpr std::size_t k_max_low_watermark = 1u << 20;

// A peer that goes away is not worth a log line.
bool ordinary_close(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::bad_descriptor;
}

std::uint32_t load_u32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

void store_u32(char* p, std::uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}
}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, Broker& broker, Server& server)
    : m_socket(std::move(socket)), m_broker(broker), m_server(server) {
  boost::system::error_code ec;
  auto ep = m_socket.remote_endpoint(ec);
  m_peer = ec ? "unknown" : ep.address().to_string();
  m_socket.set_option(asio::ip::tcp::no_delay(true), ec);
}

void Connection::start() { read_more(); }

void Connection::close(const std::string& reason) {
  if (m_closed) return;
  m_closed = true;
  if (!reason.empty()) fmt::print(stderr, "ftgo broker: closing connection from {}: {}\n", m_peer, reason);
  boost::system::error_code ec;
  m_socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  m_socket.close(ec);
  m_server.forget(this);
}

void Connection::drain() {
  m_draining = true;
  maybe_finish_drain();
}

void Connection::maybe_finish_drain() {
  if (m_draining && m_writing.empty() && m_out.empty()) close("");
}

void Connection::process() {
  while (!m_closed && !m_waiting && m_out_bytes < k_max_queued_output && !m_draining) {
    std::size_t avail = m_in_end - m_in_begin;
    if (avail < 4) break;
    auto size = static_cast<std::int32_t>(load_u32(m_in.get() + m_in_begin));
    if (size < 0 || static_cast<std::size_t>(size) > k_max_frame_bytes) {
      return close(fmt::format("frame size {} is outside 0-{} bytes", size, k_max_frame_bytes));
    }
    if (static_cast<std::size_t>(size) < k_min_frame_bytes) {
      return close(fmt::format("frame of {} bytes is too short for a request header", size));
    }
    if (avail < 4 + static_cast<std::size_t>(size)) break;
    Reader body(m_in.get() + m_in_begin + 4, static_cast<std::size_t>(size));
    m_in_begin += 4 + static_cast<std::size_t>(size);

    protocol::Request request;
    request.client_host = m_peer;
    m_waiting = true;
    m_dispatching = true;
    try {
      request.header = protocol::decode_request_header_prefix(body);
      std::int32_t correlation_id = request.header.correlation_id;
      std::weak_ptr<Connection> weak = weak_from_this();
      m_broker.dispatch(request, body, [weak, correlation_id](std::optional<Writer> reply) {
        if (auto self = weak.lock()) self->on_reply(correlation_id, std::move(reply));
      });
    } catch (const std::exception& e) {
      m_dispatching = false;
      return close(fmt::format("bad request (api key {} v{}): {}", request.header.api_key,
                               request.header.api_version, e.what()));
    }
    m_dispatching = false;
  }
  if (!m_waiting) read_more();
}

void Connection::on_reply(std::int32_t correlation_id, std::optional<Writer> body) {
  if (m_closed) return;
  if (body) {
    std::string frame = body->take();
    store_u32(frame.data(), static_cast<std::uint32_t>(frame.size() - 4));
    store_u32(frame.data() + 4, static_cast<std::uint32_t>(correlation_id));
    m_out_bytes += frame.size();
    m_out.push_back(std::move(frame));
    write_more();
  }
  m_waiting = false;
  if (!m_dispatching) process();
}

void Connection::read_more() {
  if (m_reading || m_closed || m_draining) return;
  std::size_t avail = m_in_end - m_in_begin;
  if (avail == 0) m_in_begin = m_in_end = 0;
  // Room for the whole frame in progress (its size is known once 4 bytes are
  // in) and for a read of a useful size.
  std::size_t want = avail >= 4 ? 4 + std::size_t(load_u32(m_in.get() + m_in_begin)) : 4;
  std::size_t need = std::max(want, avail + k_min_read);
  if (m_in_begin + need > m_in_cap || (m_in_cap > k_keep_buffer_bytes && need <= k_read_chunk)) {
    std::size_t cap = m_in_cap;
    if (need > cap) cap = std::max(2 * need, k_read_chunk);  // two frames fit: fewer moves
    if (m_in_cap > k_keep_buffer_bytes && need <= k_read_chunk) cap = k_read_chunk;  // give back
    if (cap != m_in_cap) {
      auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(cap);
      if (avail > 0) std::memcpy(bigger.get(), m_in.get() + m_in_begin, avail);
      m_in = std::move(bigger);
      m_in_cap = cap;
    } else if (avail > 0) {
      std::memmove(m_in.get(), m_in.get() + m_in_begin, avail);
    }
    m_in_begin = 0;
    m_in_end = avail;
  }
  // A large frame in progress (a producer's ~1 MiB request): wake up once the
  // rest of it is there, not for every few segments. SO_RCVLOWAT; the kernel
  // grows the receive buffer to fit and still wakes us if the window closes.
  std::size_t missing = m_in_begin + want > m_in_end ? m_in_begin + want - m_in_end : 0;
  int low = missing >= k_min_read ? static_cast<int>(std::min<std::size_t>(missing, k_max_low_watermark)) : 1;
  if (low != m_low_watermark) {
    boost::system::error_code ec;
    m_socket.set_option(asio::socket_base::receive_low_watermark(low), ec);
    if (!ec) m_low_watermark = low;
  }
  m_reading = true;
  m_socket.async_read_some(
      asio::buffer(m_in.get() + m_in_end, m_in_cap - m_in_end),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        self->m_reading = false;
        if (ec) return self->close(ordinary_close(ec) ? "" : ec.message());
        self->m_in_end += n;
        self->process();
      });
}

void Connection::write_more() {
  if (!m_writing.empty() || m_out.empty() || m_closed) return;
  std::vector<asio::const_buffer> buffers;
  while (!m_out.empty()) {
    m_writing.push_back(std::move(m_out.front()));
    m_out.pop_front();
  }
  buffers.reserve(m_writing.size());
  for (const auto& f : m_writing) buffers.emplace_back(asio::buffer(f));
  asio::async_write(m_socket, buffers,
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                      self->m_writing.clear();
                      self->m_out_bytes -= n;
                      if (ec) return self->close(ordinary_close(ec) ? "" : ec.message());
                      self->write_more();
                      self->maybe_finish_drain();
                      if (!self->m_waiting && !self->m_dispatching) self->process();
                    });
}

}  // namespace ftgo::broker
