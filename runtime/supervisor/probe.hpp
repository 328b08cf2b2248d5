#pragma once
// One health check attempt of a service: http (GET on 127.0.0.1:PORT, 2xx
// passes; run on the thread pool with cpp-httplib, result posted back), tcp
// (an async connect), exec (a command through /bin/sh -c in the service's
// directory and environment, exit 0 passes, killed at the timeout). The log
// probe is passive (a regex on output lines) and lives in the ServiceUnit.
// A Probe is owned by its ServiceUnit and used from the event loop; `done`
// is always called exactly once, on the loop, within the timeout (plus a
// little).
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "supervisor/reaper.hpp"
#include "supervisor/spawn.hpp"

namespace ftgo::supervisor {

struct ProbeContext {
  boost::asio::io_context& io;
  boost::asio::thread_pool& pool;
  Reaper& reaper;
};

class Probe {
 public:
  using Done = std::function<void(bool ok, std::string detail)>;
  virtual ~Probe() = default;
  virtual void run(Done done) = 0;
};

// `port`: the service's port (0 when it has none); `exec`: cwd and env for exec
// probes. Returns nullptr for kind none and log.
std::unique_ptr<Probe> make_probe(const ProbeContext& ctx, const config::HealthCheck& check, int port,
                                  const SpawnSpec& exec);

// The port a tcp probe connects to: "PORT" (or empty) means the service's port.
int tcp_probe_port(const config::HealthCheck& check, int service_port);

}  // namespace ftgo::supervisor
