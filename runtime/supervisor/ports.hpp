#pragma once
// Ports for `port: auto`, and whether a port is free.
//
// A free port is found by binding 127.0.0.1:0 and closing the socket, so
// another process can take it before the service binds it: nothing can
// close that window short of passing the listening socket to the service
// (which services written for PORT do not accept). What ftgo does instead:
//  - PortBook never hands one port to two services of one `ftgo run`, nor a
//    port it handed out before (a fixed port, kafka's, a replaced instance's);
//  - the supervisor checks an auto port again just before the service starts
//    and picks another when it has been taken meanwhile;
//  - when a service exits while another process holds its port, the unit
//    says so in its log and, for port: auto, restarts on a new port.
// Owned by the Supervisor; used on its loop thread only.
#include <set>
#include <string>

namespace ftgo::supervisor {

// A free TCP port on 127.0.0.1 (bound then released); -1 when none can be bound.
int free_port();
// True when nothing listens on (and nothing holds) 127.0.0.1:port.
bool port_is_free(int port);

class PortBook {
 public:
  // Marks a port as handed out (a fixed port, kafka's).
  void reserve(int port) { m_given.insert(port); }
  // A free port not handed out before in this run; reserves it. Throws
  // ftgo::Error (failure) when none can be found.
  int pick(const std::string& service);

 private:
  std::set<int> m_given;
};

}  // namespace ftgo::supervisor
