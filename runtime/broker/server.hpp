#pragma once
// Server: the TCP listener of the embedded broker. Accepts connections on
// one address and keeps the set of live Connections; stop() stops accepting
// and lets every connection finish what it is doing, then close.
//
// serve() is `ftgo broker`: one io_context on the calling thread, a Broker on
// the data directory, a Server, SIGTERM/SIGINT handling. It calls `on_ready`
// once the port accepts connections, and returns after a signal when every
// connection has closed and the logs are flushed.
//
// Ownership and threads: the Server lives on the stack of serve() (or of a
// test), on the io thread only; it must outlive the io_context's handlers.
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "broker/broker.hpp"

namespace ftgo::broker {

class Connection;

class Server {
 public:
  Server(boost::asio::io_context& io, Broker& broker);
  ~Server();

  // Binds and listens; throws ftgo::Error (failure) when the address cannot
  // be used (e.g. the port is in use). Port 0 picks a free one.
  void listen(const std::string& host, std::uint16_t port);
  std::uint16_t port() const;
  void start();
  // Stops accepting; `on_drained` runs once every connection has closed.
  void stop(std::function<void()> on_drained = {});
  std::size_t connections() const { return m_connections.size(); }

  // Called by a Connection when it closes.
  void forget(Connection* c);

 private:
  void accept();

  boost::asio::io_context& m_io;
  Broker& m_broker;
  boost::asio::ip::tcp::acceptor m_acceptor;
  std::unordered_map<Connection*, std::shared_ptr<Connection>> m_connections;
  bool m_stopping = false;
  std::function<void()> m_on_drained;
};

// Runs `ftgo broker` until SIGTERM or SIGINT.
void serve(BrokerOptions options, const std::function<void(const std::string& address)>& on_ready);

}  // namespace ftgo::broker
