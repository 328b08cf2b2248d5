#include "supervisor/control_server.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <istream>

#include "util/error.hpp"

namespace ftgo::supervisor {

namespace asio = boost::asio;
using asio::local::stream_protocol;

namespace {
constexpr size_t k_max_request = 1 << 20;
constexpr size_t k_max_backlog = 4 << 20;
}  // namespace

std::string socket_address(const std::filesystem::path& path, int* dir_fd) {
  *dir_fd = -1;
  if (path.string().size() < sizeof(sockaddr_un::sun_path)) return path.string();
  *dir_fd = ::open(path.parent_path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (*dir_fd < 0) return path.string();
  return "/proc/self/fd/" + std::to_string(*dir_fd) + "/" + path.filename().string();
}

Connection::Connection(stream_protocol::socket socket) : m_socket(std::move(socket)), m_in(k_max_request) {}

void Connection::start(Handler handler) {
  asio::async_read_until(m_socket, m_in, '\n',
                         [self = shared_from_this(), handler](const boost::system::error_code& ec, size_t n) {
                           if (ec) {
                             if (ec != asio::error::eof || n == 0) {
                               if (ec == asio::error::not_found)
                                 self->send({{"ok", false}, {"error", "request line too long"}});
                               self->finish();
                               return;
                             }
                           }
                           std::string line(n, '\0');
                           std::istream is(&self->m_in);
                           is.read(line.data(), static_cast<std::streamsize>(n));
                           nlohmann::json request = nlohmann::json::parse(line, nullptr, false);
                           if (request.is_discarded() || !request.is_object() || !request.contains("cmd") ||
                               !request["cmd"].is_string()) {
                             self->send({{"ok", false}, {"error", "bad request: expected a JSON object with \"cmd\""}});
                             self->finish();
                             return;
                           }
                           self->watch_for_close();
                           handler(request, self);
                         });
}

void Connection::watch_for_close() {
  // The client sends nothing after its request: a read completing means it left.
  m_socket.async_read_some(asio::buffer(&m_probe_byte, 1),
                           [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                             if (ec) {
                               self->close();
                               return;
                             }
                             self->watch_for_close();
                           });
}

void Connection::send(const nlohmann::json& reply) {
  if (m_closed) return;
  std::string line = reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  m_queued_bytes += line.size();
  if (m_queued_bytes > k_max_backlog) {
    close();
    return;
  }
  m_out.push_back(std::move(line));
  if (!m_writing) write_next();
}

void Connection::send_now(const nlohmann::json& reply) {
  if (m_closed) return;
  std::string line = reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  boost::system::error_code ec;
  asio::write(m_socket, asio::buffer(line), ec);
  close();
}

void Connection::finish() {
  m_finish = true;
  if (!m_writing) write_next();
}

void Connection::write_next() {
  if (m_closed) return;
  if (m_out.empty()) {
    m_writing = false;
    if (m_finish) close();
    return;
  }
  m_writing = true;
  asio::async_write(m_socket, asio::buffer(m_out.front()),
                    [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                      if (ec) {
                        self->close();
                        return;
                      }
                      self->m_queued_bytes -= self->m_out.front().size();
                      self->m_out.pop_front();
                      self->write_next();
                    });
}

void Connection::close() {
  if (m_closed) return;
  m_closed = true;
  boost::system::error_code ignored;
  m_socket.shutdown(stream_protocol::socket::shutdown_both, ignored);
  m_socket.close(ignored);
}

ControlServer::ControlServer(asio::io_context& io, std::filesystem::path path, Connection::Handler handler)
    : m_path(std::move(path)), m_acceptor(io), m_handler(std::move(handler)) {
  std::error_code fec;
  std::filesystem::create_directories(m_path.parent_path(), fec);
  ::chmod(m_path.parent_path().c_str(), 0700);
  std::filesystem::remove(m_path, fec);
  int dir_fd = -1;
  std::string address = socket_address(m_path, &dir_fd);
  boost::system::error_code ec;
  m_acceptor.open(stream_protocol(), ec);
  mode_t old_mask = ::umask(0177);
  if (!ec) m_acceptor.bind(stream_protocol::endpoint(address), ec);
  ::umask(old_mask);
  if (!ec) m_acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (dir_fd >= 0) ::close(dir_fd);
  if (ec) throw failure("cannot serve the control socket", m_path.string(), ec.message());
  ::chmod(m_path.c_str(), 0600);
  accept();
}

ControlServer::~ControlServer() {
  boost::system::error_code ignored;
  m_acceptor.close(ignored);
  std::error_code fec;
  std::filesystem::remove(m_path, fec);
}

void ControlServer::accept() {
  m_acceptor.async_accept([this](const boost::system::error_code& ec, stream_protocol::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<Connection>(std::move(socket))->start(m_handler);
    accept();
  });
}

}  // namespace ftgo::supervisor
