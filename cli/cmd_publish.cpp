// `ftgo publish TOPIC [VALUE]`: put events on a topic.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "events/brokers.hpp"
#include "events/publish_stream.hpp"
#include "events/publisher.hpp"
#include "util/duration.hpp"
#include "util/error.hpp"

namespace ftgo::cli {

namespace {

struct PublishOptions {
  std::string topic;
  std::optional<std::string> value;
  std::optional<std::string> key;
  std::vector<std::string> headers;  // K=V
  int partition = -1;
  bool jsonl = false;
  std::string file;
  std::string timeout;  // --timeout DURATION, "" for the default
};

std::vector<events::Header> parse_headers(const std::vector<std::string>& specs) {
  std::vector<events::Header> headers;
  for (const auto& s : specs) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) throw usage_error("invalid header", s, "expected -H NAME=VALUE");
    headers.push_back({s.substr(0, eq), s.substr(eq + 1)});
  }
  return headers;
}

// Prints each event's partition and offset in the order they were given,
// as soon as every event before it is confirmed.
class OrderedPrinter {
 public:
  explicit OrderedPrinter(std::string topic) : m_topic(std::move(topic)) {}
  void add(const events::Delivery& d) {
    if (d.seq >= m_done.size()) m_done.resize(d.seq + 1);
    m_done[d.seq] = d;
    while (m_next < m_done.size() && m_done[m_next]) {
      const auto& x = *m_done[m_next];
      nlohmann::ordered_json j = {{"topic", m_topic}, {"partition", x.partition}, {"offset", x.offset}};
      if (!x.error.empty()) j["error"] = x.error;
      if (x.maybe_written) j["maybe_written"] = true;
      std::cout << j.dump() << "\n";
      m_done[m_next].reset();
      ++m_next;
    }
  }

 private:
  std::string m_topic;
  std::vector<std::optional<events::Delivery>> m_done;
  size_t m_next = 0;
};

// Refuses a directory (it opens, and reads as nothing) before anything is sent.
void check_readable(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw usage_error("cannot read", path, "is a directory, not a file");
}

std::string read_file(const std::string& path) {
  check_readable(path);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw usage_error("cannot read", path, std::strerror(errno));
  std::string data;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw usage_error("cannot read", path, std::strerror(err));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

void run_publish(const PublishOptions& o, const Globals& g) {
  if (o.value && !o.file.empty()) throw usage_error("publish", o.topic, "give either VALUE or --file, not both");
  if (o.jsonl && o.value) {
    throw usage_error("publish", o.topic, "--jsonl reads envelopes from stdin or --file; drop VALUE");
  }
  std::optional<int> timeout_ms;
  if (!o.timeout.empty()) {
    auto d = util::parse_duration(o.timeout);
    if (!d || d->count() < 100 || d->count() > INT32_MAX) {
      throw usage_error("invalid --timeout", o.timeout, "expected a duration of at least 100ms, like 500ms, 10s or 2m");
    }
    timeout_ms = static_cast<int>(d->count());
  }
  auto brokers = events::resolve_brokers(g.brokers, g.find_workspace_root());
  std::unique_ptr<OrderedPrinter> printer;
  std::function<void(const events::Delivery&)> on_delivery;
  events::Publisher* live = nullptr;  // set once constructed
  if (g.json) {
    printer = std::make_unique<OrderedPrinter>(o.topic);
    on_delivery = [&](const events::Delivery& d) {
      printer->add(d);
      // Caught up (a live pipe between events): let the reader see the results
      // now. librdkafka still counts the report being served as pending.
      if (live && live->pending() <= 1) std::cout.flush();
    };
  }
  bool bulk = !o.value && (o.jsonl || o.file.empty()) && !::isatty(o.file.empty() ? STDIN_FILENO : -1);
  events::Publisher publisher(brokers, o.topic, o.partition, on_delivery, bulk, timeout_ms);
  live = &publisher;

  events::StreamDefaults defaults;
  defaults.key = o.key;
  defaults.headers = parse_headers(o.headers);
  defaults.partition = o.partition;
  defaults.jsonl = o.jsonl;

  bool read_all = true;
  std::string source = o.file.empty() ? "<stdin>" : o.file;
  if (o.value || (!o.file.empty() && !o.jsonl)) {
    events::Event e;
    e.key = o.key;
    e.headers = defaults.headers;
    e.partition = o.partition;
    e.value = o.value ? *o.value : read_file(o.file);
    publisher.send(e);
  } else if (!o.file.empty()) {
    check_readable(o.file);
    int fd = ::open(o.file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw usage_error("cannot read", o.file, std::strerror(errno));
    try {
      read_all = events::publish_stream(publisher, fd, o.file, defaults);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
  } else {
    if (::isatty(STDIN_FILENO)) {
      std::cerr << "ftgo: reading events from the terminal, one per line; Ctrl-D to finish\n";
    }
    read_all = events::publish_stream(publisher, STDIN_FILENO, "<stdin>", defaults);
  }
  publisher.flush();
  std::cout.flush();

  uint64_t ok = publisher.sent() - publisher.failed();
  std::string noun = ok == 1 ? " event" : " events";
  if (publisher.failed() > 0) {
    // Three honest counts: confirmed, certainly not written, and sent but
    // unconfirmed (the broker went away before answering: maybe written).
    uint64_t maybe = publisher.maybe_written();
    uint64_t lost = publisher.failed() - maybe;
    std::cerr << "published " << ok << " of " << publisher.sent() << " events to " << o.topic << "\n";
    std::string cause = std::to_string(ok) + " of " + std::to_string(publisher.sent()) + " events delivered, " +
                        std::to_string(lost) + " not delivered";
    if (maybe > 0) {
      cause += ", " + std::to_string(maybe) +
               " unconfirmed (sent, but the broker went away before answering: they may be on the topic)";
    }
    cause += ": " + publisher.first_error();
    if (!read_all) cause += "; stopped reading " + source + " at the first failure";
    throw failure("publish failed", o.topic + " on " + brokers.bootstrap, cause);
  }
  std::cerr << "published " << ok << noun << " to " << o.topic << "\n";
}

}  // namespace

void setup_publish(CLI::App& app, Globals& g) {
  auto o = std::make_shared<PublishOptions>();
  auto* cmd = app.add_subcommand("publish", "Put events on a topic (VALUE, stdin one per line, or --file)");
  cmd->add_option("topic", o->topic, "The topic")->required();
  cmd->add_option("value", o->value, "The event's value (else stdin, one event per line)");
  cmd->add_option("-k,--key", o->key, "The key of every event");
  cmd->add_option("-H,--header", o->headers, "A header NAME=VALUE (repeatable)")->type_name("K=V");
  cmd->add_option("-p,--partition", o->partition, "Write to this partition")->check(whole_number(0, INT32_MAX));
  cmd->add_flag("--jsonl", o->jsonl, "Read JSON envelopes (as tail -o json prints), one per line");
  cmd->add_option("--file", o->file, "Publish this file as one event (with --jsonl: read envelopes from it)");
  cmd->add_option("--timeout", o->timeout,
                  "How long each event may wait for the broker's confirmation before publish fails "
                  "(default 10s; librdkafka's message.timeout.ms)")
      ->type_name("DURATION");
  cmd->callback([o, &g] { run_publish(*o, g); });
}

}  // namespace ftgo::cli
