#include "broker/server.hpp"

#include <fmt/format.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>

#include "broker/connection.hpp"
#include "util/error.hpp"

namespace ftgo::broker {

namespace asio = boost::asio;
using asio::ip::tcp;

Server::Server(asio::io_context& io, Broker& broker) : m_io(io), m_broker(broker), m_acceptor(io) {}

Server::~Server() = default;

void Server::listen(const std::string& host, std::uint16_t port) {
  std::string where = fmt::format("{}:{}", host, port);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) throw failure("cannot listen", where, fmt::format("'{}' is not an IP address", host));
  tcp::endpoint endpoint(address, port);
  m_acceptor.open(endpoint.protocol(), ec);
  if (!ec) m_acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) m_acceptor.bind(endpoint, ec);
  if (!ec) m_acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::string cause = ec.message();
    if (ec == asio::error::address_in_use) cause = "the port is in use (is another broker running?)";
    throw failure("cannot listen", where, cause);
  }
}

std::uint16_t Server::port() const { return m_acceptor.local_endpoint().port(); }

void Server::start() { accept(); }

void Server::accept() {
  m_acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (m_stopping || ec == asio::error::operation_aborted) return;
    if (!ec) {
      auto c = std::make_shared<Connection>(std::move(socket), m_broker, *this);
      m_connections.emplace(c.get(), c);
      c->start();
    } else {
      fmt::print(stderr, "ftgo broker: accept failed: {}\n", ec.message());
    }
    accept();
  });
}

void Server::forget(Connection* c) {
  // Keep the object alive until the handler that called us returns.
  auto it = m_connections.find(c);
  if (it == m_connections.end()) return;
  auto keep = std::move(it->second);
  m_connections.erase(it);
  asio::post(m_io, [keep] {});
  if (m_stopping && m_connections.empty() && m_on_drained) {
    auto done = std::move(m_on_drained);
    m_on_drained = nullptr;
    done();
  }
}

void Server::stop(std::function<void()> on_drained) {
  if (m_stopping) return;
  m_stopping = true;
  m_on_drained = std::move(on_drained);
  boost::system::error_code ec;
  m_acceptor.close(ec);
  m_broker.stop_waiting();
  std::vector<std::shared_ptr<Connection>> all;
  for (auto& [ptr, c] : m_connections) all.push_back(c);
  for (auto& c : all) c->drain();
  if (m_connections.empty() && m_on_drained) {
    auto done = std::move(m_on_drained);
    m_on_drained = nullptr;
    done();
  }
}

namespace {

// Holds <data>/.lock (flock) while the broker runs, as Kafka's log dir lock:
// two brokers appending to one log would corrupt it. The kernel drops the
// lock when the process dies, even by kill -9.
class DataDirLock {
 public:
  explicit DataDirLock(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw failure("cannot create data directory", dir.string(), ec.message());
    auto file = dir / ".lock";
    m_fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0) throw failure("cannot lock data directory", file.string(), std::strerror(errno));
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
      char buf[32] = {};
      ssize_t n = ::pread(m_fd, buf, sizeof buf - 1, 0);
      std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      ::close(m_fd);
      throw failure("data directory in use", dir.string(),
                    "another broker" + (pid.empty() ? std::string() : " (pid " + pid + ")") +
                        " is using it; two brokers on one log would corrupt it");
    }
    std::string me = std::to_string(::getpid()) + "\n";
    if (::ftruncate(m_fd, 0) != 0 || ::pwrite(m_fd, me.data(), me.size(), 0) < 0) {
      // the pid is only for the message a second broker prints
    }
  }
  ~DataDirLock() { ::close(m_fd); }
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  int m_fd = -1;
};

}  // namespace

void serve(BrokerOptions options, const std::function<void(const std::string& address)>& on_ready) {
  DataDirLock lock(options.data_dir);
  asio::io_context io(1);
  std::string host = options.host;
  std::uint16_t port = options.port;
  Server* server_ptr = nullptr;
  Broker broker(io, std::move(options));
  Server server(io, broker);
  server_ptr = &server;
  server.listen(host, port);
  broker.set_port(server.port());
  server.start();
  broker.start_timers();

  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer deadline(io);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    broker.cancel_timers();
    // Connections stuck on a peer that does not read get 5 s.
    deadline.expires_after(std::chrono::seconds(5));
    deadline.async_wait([&](const boost::system::error_code& e) {
      if (!e) io.stop();
    });
    server_ptr->stop([&] { deadline.cancel(); });
  });
  std::signal(SIGPIPE, SIG_IGN);
  on_ready(fmt::format("{}:{}", host, server.port()));
  // Returns when nothing is left to do: no connection, no timer.
  io.run();
  broker.flush();
  if (const auto& st = broker.fetch_sessions().stats(); st.created > 0 || st.not_created > 0) {
    fmt::print(stderr,
               "ftgo broker: fetch sessions: {} created, {} not created (cache full), {} evicted, {} closed, "
               "{} incremental fetches, {} session errors\n",
               st.created, st.not_created, st.evicted, st.closed, st.incremental, st.session_errors);
  }
}

}  // namespace ftgo::broker
