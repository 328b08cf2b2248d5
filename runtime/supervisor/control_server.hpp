#pragma once
// The server side of the control socket (protocol in control.hpp): accepts
// connections on the Unix socket, reads one JSON request line from each and
// hands it to the handler with the Connection to answer on. Replies are
// queued and written asynchronously; a client that stops reading a `logs -f`
// stream past 4 MiB of backlog is dropped rather than slowing the run.
// Owned by the Supervisor; single-threaded (the loop).
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/streambuf.hpp>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace ftgo::supervisor {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Handler = std::function<void(const nlohmann::json&, const std::shared_ptr<Connection>&)>;

  explicit Connection(boost::asio::local::stream_protocol::socket socket);
  void start(Handler handler);
  // Queues one reply line. Invalid UTF-8 in strings is replaced, never thrown.
  void send(const nlohmann::json& reply);
  // Writes one line now, blocking (the run is about to exit), then closes.
  void send_now(const nlohmann::json& reply);
  // Closes once everything queued is written.
  void finish();
  bool closed() const { return m_closed; }

 private:
  void write_next();
  void watch_for_close();
  void close();

  boost::asio::local::stream_protocol::socket m_socket;
  boost::asio::streambuf m_in;
  std::deque<std::string> m_out;
  size_t m_queued_bytes = 0;
  bool m_writing = false;
  bool m_finish = false;
  bool m_closed = false;
  char m_probe_byte = 0;
};

class ControlServer {
 public:
  // Binds `path` (mode 0600). Throws ftgo::Error when it cannot.
  ControlServer(boost::asio::io_context& io, std::filesystem::path path, Connection::Handler handler);
  ~ControlServer();

 private:
  void accept();

  std::filesystem::path m_path;
  boost::asio::local::stream_protocol::acceptor m_acceptor;
  Connection::Handler m_handler;
};

// A sockaddr-friendly spelling of `path`: itself when it fits in sun_path,
// else through /proc/self/fd/<dirfd>/ (the directory is opened into *dir_fd,
// which the caller closes after bind/connect).
std::string socket_address(const std::filesystem::path& path, int* dir_fd);

}  // namespace ftgo::supervisor
