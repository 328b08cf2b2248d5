#include "supervisor/instance.hpp"

#include <unistd.h>

#include <boost/asio/read.hpp>
#include <csignal>

namespace ftgo::supervisor {

namespace asio = boost::asio;

namespace {
constexpr std::chrono::milliseconds k_drain_grace{300};
constexpr std::chrono::milliseconds k_group_poll{20};
}  // namespace

Instance::Instance(asio::io_context& io, Hooks hooks)
    : m_io(io), m_hooks(std::move(hooks)), m_out(io), m_err(io), m_grace(io), m_group_poll(io) {}

Instance::~Instance() {
  if (m_group_alive && m_pid > 0) ::kill(-m_pid, SIGKILL);
}

std::shared_ptr<Instance> Instance::start(asio::io_context& io, Reaper& reaper, const SpawnSpec& spec, Hooks hooks) {
  std::shared_ptr<Instance> self(new Instance(io, std::move(hooks)));
  Spawned child = spawn(spec);
  self->m_pid = child.pid;
  self->m_group_alive = true;
  self->m_started = std::chrono::steady_clock::now();
  std::weak_ptr<Instance> weak = self;
  reaper.watch(child.pid, [weak, pid = child.pid](int status) {
    if (auto me = weak.lock()) {
      me->on_reaped(status);
    } else {
      ::kill(-pid, SIGKILL);
      guard_remove_group(pid);
    }
  });
  if (child.out_fd >= 0) {
    self->m_out.pipe.assign(child.out_fd);
    self->m_out.open = true;
    self->read(self->m_out);
  }
  if (child.err_fd >= 0) {
    self->m_err.pipe.assign(child.err_fd);
    self->m_err.open = true;
    self->read(self->m_err);
  }
  return self;
}

void Instance::read(Stream& s) {
  s.pipe.async_read_some(asio::buffer(s.buffer), [self = shared_from_this(), &s](const boost::system::error_code& ec,
                                                                               size_t n) {
    auto emit = [&](std::string_view line) {
      if (self->m_hooks.on_line) self->m_hooks.on_line(line);
    };
    if (n > 0) s.splitter.feed(std::string_view(s.buffer.data(), n), emit);
    if (ec) {
      s.splitter.flush(emit);
      if (self->m_hooks.on_batch) self->m_hooks.on_batch();
      boost::system::error_code ignored;
      s.pipe.close(ignored);
      s.open = false;
      self->maybe_finish();
      return;
    }
    if (self->m_hooks.on_batch) self->m_hooks.on_batch();
    self->read(s);
  });
}

void Instance::signal_group(int sig) {
  if (!m_group_alive || m_pid <= 0) return;
  if (sig != SIGKILL && sig != 0) m_stop_requested = true;
  ::kill(-m_pid, sig);
}

void Instance::on_reaped(int status) {
  m_status = status;
  if (m_stop_requested && group_alive(m_pid)) {
    wait_for_group();
    return;
  }
  end_group(true);
}

void Instance::wait_for_group() {
  m_group_poll.expires_after(k_group_poll);
  m_group_poll.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (group_alive(self->m_pid)) {
      self->wait_for_group();
      return;
    }
    self->end_group(false);
  });
}

void Instance::end_group(bool kill_leftovers) {
  // Leftovers of the group (background jobs of a shell). Once the group was
  // seen empty its id may be free again: nothing is sent then.
  if (kill_leftovers) ::kill(-m_pid, SIGKILL);
  m_group_alive = false;
  guard_remove_group(m_pid);
  if (!m_out.open && !m_err.open) {
    maybe_finish();
    return;
  }
  m_grace.expires_after(k_drain_grace);
  m_grace.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    // A process outside the group still holds the pipes: stop waiting for EOF.
    boost::system::error_code ignored;
    for (Stream* s : {&self->m_out, &self->m_err}) {
      if (!s->open) continue;
      s->splitter.flush([&](std::string_view line) {
        if (self->m_hooks.on_line) self->m_hooks.on_line(line);
      });
      s->pipe.cancel(ignored);
      s->open = false;
    }
    self->maybe_finish();
  });
}

void Instance::maybe_finish() {
  if (m_finished || !m_status || m_group_alive || m_out.open || m_err.open) return;
  m_finished = true;
  m_grace.cancel();
  if (m_hooks.on_batch) m_hooks.on_batch();
  auto on_exit = std::move(m_hooks.on_exit);
  m_hooks = {};
  if (on_exit) on_exit(*m_status);
}

}  // namespace ftgo::supervisor
