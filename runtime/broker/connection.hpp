#pragma once
// Connection: one client's TCP connection. Reads size-prefixed request
// frames into a buffer it reuses, hands them one at a time to the Broker
// (pipelined requests are answered in order: the next request is taken only
// when the previous one has replied), and writes the replies with
// async_write, several frames per write when they queue up.
//
// Memory is bounded: a frame may be at most k_max_frame_bytes (a larger or
// negative size closes the connection with a log line), and requests are not
// taken while more than k_max_queued_output bytes of replies wait to be sent.
// Bad input — a frame that cannot be decoded, an unknown API key or version —
// closes this connection only, with a log line on stderr.
//
// Ownership and threads: shared_ptr, held by the Server's set and by pending
// async operations; the io thread only. Lives until the peer goes away, bad
// input, or the server stops (drain()).
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/protocol/codec.hpp"

namespace ftgo::broker {

class Broker;
class Server;

inline constexpr std::size_t k_max_frame_bytes = 100u << 20;       // 100 MiB
inline constexpr std::size_t k_max_queued_output = 64u << 20;      // 64 MiB

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::ip::tcp::socket socket, Broker& broker, Server& server);
  void start();
  // Finish the request in progress and what is queued to write, then close.
  void drain();
  void close(const std::string& reason);

 private:
  void process();
  void read_more();
  void on_reply(std::int32_t correlation_id, std::optional<protocol::Writer> body);
  void write_more();
  void maybe_finish_drain();

  boost::asio::ip::tcp::socket m_socket;
  Broker& m_broker;
  Server& m_server;
  std::string m_peer;
  std::unique_ptr<std::uint8_t[]> m_in;  // not zeroed: only bytes read are looked at
  std::size_t m_in_cap = 0;
  std::size_t m_in_begin = 0;  // first unprocessed byte
  std::size_t m_in_end = 0;    // end of the bytes read
  std::deque<std::string> m_out;
  std::vector<std::string> m_writing;
  std::size_t m_out_bytes = 0;
  bool m_reading = false;
  int m_low_watermark = 1;  // SO_RCVLOWAT now set on the socket
  bool m_waiting = false;  // a handler has not replied yet
  bool m_dispatching = false;
  bool m_draining = false;
  bool m_closed = false;
};

}  // namespace ftgo::broker
