#include "events/publish_stream.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "util/error.hpp"

namespace ftgo::events {

namespace {

constexpr size_t k_read_size = 1 << 20;
constexpr uint64_t k_poll_every = 1024;
constexpr int k_idle_poll_ms = 100;

class LineSender {
 public:
  LineSender(Publisher& p, const std::string& source, const StreamDefaults& d) : m_pub(p), m_source(source), m_d(d) {}

  void line(std::string_view text) {
    ++m_line;
    if (m_d.jsonl) {
      send_envelope(text);
    } else if (m_d.headers.empty()) {
      m_pub.send_value(text, m_d.key, m_d.partition);
    } else {
      Event e;
      e.key = m_d.key;
      e.headers = m_d.headers;
      e.value = std::string(text);
      e.partition = m_d.partition;
      m_pub.send(e);
    }
    if (m_line % k_poll_every == 0) m_pub.poll();
  }

 private:
  void send_envelope(std::string_view text) {
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) return;
    Event e;
    try {
      e = decode_envelope(text);
    } catch (const std::invalid_argument& bad) {
      m_pub.flush();
      uint64_t ok = m_pub.sent() - m_pub.failed();
      std::string before = ok == 1 ? "the 1 event before it was published" : "the " + std::to_string(ok) + " events before it were published";
      if (ok == 0) before = "nothing was published";
      throw usage_error("invalid JSONL", m_source + ":" + std::to_string(m_line),
                        std::string(bad.what()) + " (" + before + "; nothing after it)");
    }
    if (!e.key) e.key = m_d.key;
    if (e.partition < 0) e.partition = m_d.partition;
    e.headers.insert(e.headers.end(), m_d.headers.begin(), m_d.headers.end());
    m_pub.send(e);
  }

  Publisher& m_pub;
  const std::string& m_source;
  const StreamDefaults& m_d;
  uint64_t m_line = 0;
};

}  // namespace

bool publish_stream(Publisher& publisher, int fd, const std::string& source, const StreamDefaults& defaults) {
  LineSender sender(publisher, source, defaults);
  std::string carry;  // a line split across reads
  std::vector<char> buf(k_read_size);
  while (true) {
    if (publisher.failed() > 0) return false;
    // Input idle (a live pipe or a terminal): send what is queued now rather
    // than after the bulk linger, then wait for input serving delivery reports.
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, 0) == 0) {
      publisher.send_now();
      while (::poll(&ready, 1, k_idle_poll_ms) == 0) {
        publisher.poll();
        if (publisher.failed() > 0) return false;
      }
    }
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw failure("cannot read", source, std::strerror(errno));
    }
    if (n == 0) break;
    const char* p = buf.data();
    const char* end = p + n;
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      if (!nl) {
        carry.append(p, end);
        break;
      }
      if (carry.empty()) {
        sender.line(std::string_view(p, nl - p));
      } else {
        carry.append(p, nl);
        sender.line(carry);
        carry.clear();
      }
      p = nl + 1;
    }
  }
  if (!carry.empty()) sender.line(carry);
  return true;
}

}  // namespace ftgo::events
