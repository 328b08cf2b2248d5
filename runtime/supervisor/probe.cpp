#include "supervisor/probe.hpp"

#include <httplib.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <sys/wait.h>

#include "util/error.hpp"

namespace ftgo::supervisor {

namespace asio = boost::asio;

namespace {

class HttpProbe : public Probe {
 public:
  HttpProbe(const ProbeContext& ctx, std::string path, int port, config::Millis timeout)
      : m_ctx(ctx), m_path(std::move(path)), m_port(port), m_timeout(timeout) {}

  void run(Done done) override {
    asio::post(m_ctx.pool, [io = &m_ctx.io, path = m_path, port = m_port, timeout = m_timeout, done]() {
      httplib::Client client("127.0.0.1", port);
      auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
      auto usecs = std::chrono::duration_cast<std::chrono::microseconds>(timeout - secs);
      client.set_connection_timeout(secs.count(), usecs.count());
      client.set_read_timeout(secs.count(), usecs.count());
      client.set_write_timeout(secs.count(), usecs.count());
      auto res = client.Get(path.c_str());
      bool ok = false;
      std::string detail;
      if (!res) {
        auto err = res.error();
        detail = "GET " + path + ": " +
                 (err == httplib::Error::Connection          ? std::string("cannot connect")
                  : err == httplib::Error::ConnectionTimeout ? std::string("connect timed out")
                  : err == httplib::Error::Read              ? std::string("no reply (read failed or timed out)")
                                                             : httplib::to_string(err));
      } else {
        ok = res->status >= 200 && res->status < 300;
        detail = "GET " + path + ": HTTP " + std::to_string(res->status);
      }
      asio::post(*io, [done, ok, detail] { done(ok, detail); });
    });
  }

 private:
  ProbeContext m_ctx;
  std::string m_path;
  int m_port;
  config::Millis m_timeout;
};

class TcpProbe : public Probe {
 public:
  TcpProbe(const ProbeContext& ctx, int port, config::Millis timeout) : m_ctx(ctx), m_port(port), m_timeout(timeout) {}

  void run(Done done) override {
    struct Attempt {
      explicit Attempt(asio::io_context& io) : socket(io), timer(io) {}
      asio::ip::tcp::socket socket;
      asio::steady_timer timer;
      bool finished = false;
    };
    auto a = std::make_shared<Attempt>(m_ctx.io);
    auto finish = [a, done, port = m_port](bool ok, const std::string& why) {
      if (a->finished) return;
      a->finished = true;
      boost::system::error_code ignored;
      a->timer.cancel();
      a->socket.close(ignored);
      done(ok, "connect 127.0.0.1:" + std::to_string(port) + (ok ? "" : ": " + why));
    };
    a->timer.expires_after(m_timeout);
    a->timer.async_wait([finish](const boost::system::error_code& ec) {
      if (!ec) finish(false, "timed out");
    });
    asio::ip::tcp::endpoint ep(asio::ip::make_address_v4("127.0.0.1"), static_cast<unsigned short>(m_port));
    a->socket.async_connect(ep, [finish](const boost::system::error_code& ec) {
      finish(!ec, ec ? ec.message() : "");
    });
  }

 private:
  ProbeContext m_ctx;
  int m_port;
  config::Millis m_timeout;
};

class ExecProbe : public Probe {
 public:
  ExecProbe(const ProbeContext& ctx, SpawnSpec spec, config::Millis timeout)
      : m_ctx(ctx), m_spec(std::move(spec)), m_timeout(timeout) {}

  void run(Done done) override {
    Spawned child;
    try {
      child = spawn(m_spec);
    } catch (const Error& e) {
      asio::post(m_ctx.io, [done, why = e.cause()] { done(false, why); });
      return;
    }
    struct Attempt {
      explicit Attempt(asio::io_context& io) : timer(io) {}
      asio::steady_timer timer;
      bool finished = false;
    };
    auto a = std::make_shared<Attempt>(m_ctx.io);
    pid_t pid = child.pid;
    a->timer.expires_after(m_timeout);
    a->timer.async_wait([a, pid, done](const boost::system::error_code& ec) {
      if (ec || a->finished) return;
      a->finished = true;
      ::kill(-pid, SIGKILL);
      done(false, "timed out");
    });
    m_ctx.reaper.watch(pid, [a, pid, done](int status) {
      ::kill(-pid, SIGKILL);
      guard_remove_group(pid);
      if (a->finished) return;
      a->finished = true;
      a->timer.cancel();
      bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      done(ok, describe_status(status));
    });
  }

 private:
  ProbeContext m_ctx;
  SpawnSpec m_spec;
  config::Millis m_timeout;
};

}  // namespace

int tcp_probe_port(const config::HealthCheck& check, int service_port) {
  if (check.target.empty() || check.target == "PORT" || check.target == "$PORT") return service_port;
  try {
    return std::stoi(check.target);
  } catch (...) {
    return 0;
  }
}

std::unique_ptr<Probe> make_probe(const ProbeContext& ctx, const config::HealthCheck& check, int port,
                                  const SpawnSpec& exec) {
  using Kind = config::HealthCheck::Kind;
  switch (check.kind) {
    case Kind::http: return std::make_unique<HttpProbe>(ctx, check.target.empty() ? "/" : check.target, port, check.timeout);
    case Kind::tcp: return std::make_unique<TcpProbe>(ctx, tcp_probe_port(check, port), check.timeout);
    case Kind::exec: {
      SpawnSpec spec = exec;
      spec.argv = {"/bin/sh", "-c", check.target};
      spec.capture_output = false;
      return std::make_unique<ExecProbe>(ctx, std::move(spec), check.timeout);
    }
    case Kind::none:
    case Kind::log: return nullptr;
  }
  return nullptr;
}

}  // namespace ftgo::supervisor
