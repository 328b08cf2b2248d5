// cleaner_stall_bench: how long clients wait while the log cleaner runs a pass,
// measured from outside with a librdkafka client against `ftgo broker`.
//
//   cleaner_stall_bench --ftgo build/ftgo [--runs 3] [--mb 48] [--keys 10000] [--backoff-ms 8000]
//
// Each run starts a broker (--log-cleaner-backoff-ms B: its first pass B ms after start) on a fresh data
// directory, creates a compacted topic (16 MiB segments) and fills it with
// ~N MB of 100-byte values over K keys (acks=all). Then, until the broker
// logs the pass ("cleaned ...") and 1 s after, a probe sends one 100-byte
// record every 2 ms to another topic (acks=all, one in flight) and a
// consumer reads them: the longest produce round trip and the longest
// publish-to-consume time seen are the stall a client saw. A probe before
// the pass gives the baseline. Prints each run and the medians.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

[[noreturn]] void die(const std::string& what) { throw std::runtime_error(what); }

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// `ftgo broker` with its stderr read on a thread: `cleaned` turns true at its first "cleaned" line.
struct Broker {
  pid_t pid = -1;
  std::string bootstrap;
  std::thread reader;
  std::atomic<bool> cleaned{false};
  std::atomic<bool> ready{false};

  Broker(const std::string& ftgo, const fs::path& data, const std::string& backoff_ms) {
    int port = free_port();
    bootstrap = "127.0.0.1:" + std::to_string(port);
    int out[2], err[2];
    if (pipe(out) != 0 || pipe(err) != 0) die("pipe");
    pid = fork();
    if (pid == 0) {
      dup2(out[1], 1);
      dup2(err[1], 2);
      close(out[0]);
      close(err[0]);
      std::string p = std::to_string(port), d = data.string();
      execl(ftgo.c_str(), ftgo.c_str(), "broker", "--port", p.c_str(), "--data", d.c_str(),
            "--log-cleaner-backoff-ms", backoff_ms.c_str(), nullptr);
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    reader = std::thread([this, o = out[0], e = err[0]] {
      FILE* fo = fdopen(o, "r");
      char line[4096];
      if (fgets(line, sizeof line, fo) && std::strstr(line, "ready on")) ready = true;
      FILE* fe = fdopen(e, "r");
      while (fgets(line, sizeof line, fe))
        if (std::strstr(line, "cleaned ")) cleaned = true;
      fclose(fe);
      fclose(fo);
    });
    auto t0 = Clock::now();
    while (!ready) {
      if (ms_since(t0) > 20000) die("ftgo broker was not ready in 20 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~Broker() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      int status = 0;
      waitpid(pid, &status, 0);
    }
    if (reader.joinable()) reader.join();
  }
};

rd_kafka_conf_t* base_conf(const std::string& bootstrap) {
  char err[512];
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  rd_kafka_conf_set(c, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(c, "log_level", "0", err, sizeof err);
  return c;
}

void create_compacted(rd_kafka_t* rk, const std::string& topic) {
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), 1, 1, err, sizeof err);
  rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
  rd_kafka_NewTopic_set_config(nt, "segment.bytes", std::to_string(16 << 20).c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 10000);
  if (!ev || rd_kafka_event_error(ev)) die("CreateTopics failed");
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
}

void fill(const std::string& bootstrap, const std::string& topic, std::uint64_t mb, int keys) {
  char err[512];
  rd_kafka_conf_t* c = base_conf(bootstrap);
  rd_kafka_conf_set(c, "acks", "all", err, sizeof err);
  rd_kafka_conf_set(c, "linger.ms", "5", err, sizeof err);
  rd_kafka_conf_set(c, "batch.num.messages", "100", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
  if (!rk) die(err);
  create_compacted(rk, topic);
  std::string value(100, 'v');
  std::uint64_t records = mb * 1000 * 1000 / 170;  // ~170 bytes a record in a batch of 100
  for (std::uint64_t i = 0; i < records; ++i) {
    std::string key = "key-" + std::to_string(i % static_cast<std::uint64_t>(keys));
    while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
                             RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
      rd_kafka_poll(rk, 10);
    rd_kafka_poll(rk, 0);
  }
  if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("fill: flush timed out");
  rd_kafka_destroy(rk);
}

struct Probe {
  double produce_max = 0, e2e_max = 0, produce_p50 = 0;
  int sent = 0;
};

// Probes until `stop` returns true (checked every send), then 1 s more.
template <typename Stop>
Probe probe(const std::string& bootstrap, const std::string& topic, Stop&& stop) {
  char err[512];
  rd_kafka_conf_t* pc = base_conf(bootstrap);
  rd_kafka_conf_set(pc, "acks", "all", err, sizeof err);
  rd_kafka_conf_set(pc, "linger.ms", "0", err, sizeof err);
  std::atomic<int> delivered{0};
  rd_kafka_conf_set_opaque(pc, &delivered);
  rd_kafka_conf_set_dr_msg_cb(pc, [](rd_kafka_t*, const rd_kafka_message_t*, void* opaque) {
    ++*static_cast<std::atomic<int>*>(opaque);
  });
  rd_kafka_t* prod = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
  rd_kafka_conf_t* cc = base_conf(bootstrap);
  rd_kafka_conf_set(cc, "group.id", ("probe-" + topic).c_str(), err, sizeof err);
  rd_kafka_conf_set(cc, "auto.offset.reset", "earliest", err, sizeof err);
  rd_kafka_conf_set(cc, "fetch.wait.max.ms", "100", err, sizeof err);
  rd_kafka_t* cons = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof err);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  // Create the topic and warm both clients up.
  rd_kafka_producev(prod, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_VALUE(const_cast<char*>("w"), 1), RD_KAFKA_V_END);
  rd_kafka_flush(prod, 10000);
  rd_kafka_assign(cons, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  for (auto t0 = Clock::now();;) {  // the consumer is fetching before the probe starts
    if (ms_since(t0) > 20000) die("the probe consumer got nothing in 20 s");
    rd_kafka_message_t* m = rd_kafka_consumer_poll(cons, 100);
    if (!m) continue;
    bool ok = !m->err;
    rd_kafka_message_destroy(m);
    if (ok) break;
  }
  std::vector<Clock::time_point> sent_at;
  std::vector<double> produce, e2e;
  std::mutex mu;
  std::atomic<bool> done{false};
  std::thread consumer([&] {
    while (!done) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(cons, 50);
      if (!m) continue;
      if (!m->err && m->key_len == sizeof(int)) {
        int i;
        std::memcpy(&i, m->key, sizeof i);
        std::lock_guard lock(mu);
        if (i >= 0 && i < static_cast<int>(sent_at.size())) e2e.push_back(ms_since(sent_at[static_cast<std::size_t>(i)]));
      }
      rd_kafka_message_destroy(m);
    }
  });
  Probe out;
  std::string value(100, 'p');
  Clock::time_point stop_at = Clock::time_point::max();
  for (int i = 0; Clock::now() < stop_at; ++i) {
    if (stop_at == Clock::time_point::max() && stop()) stop_at = Clock::now() + std::chrono::seconds(1);
    auto t0 = Clock::now();
    {
      std::lock_guard lock(mu);
      sent_at.push_back(t0);
    }
    int before = delivered;
    rd_kafka_producev(prod, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(&i, sizeof i),
                      RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                      RD_KAFKA_V_END);
    while (delivered == before) rd_kafka_poll(prod, 1);
    produce.push_back(ms_since(t0));
    ++out.sent;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  done = true;
  consumer.join();
  out.produce_max = produce.empty() ? 0 : *std::max_element(produce.begin(), produce.end());
  out.produce_p50 = median(produce);
  out.e2e_max = e2e.empty() ? 0 : *std::max_element(e2e.begin(), e2e.end());
  rd_kafka_consumer_close(cons);
  rd_kafka_destroy(cons);
  rd_kafka_destroy(prod);
  return out;
}

}  // namespace

int main(int argc, char** argv) try {
  std::string ftgo = "build/ftgo";
  int runs = 3, keys = 10000;
  std::uint64_t mb = 48;
  std::string backoff_ms = "8000";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--ftgo")) ftgo = argv[i + 1];
    else if (!std::strcmp(argv[i], "--runs")) runs = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--mb")) mb = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--keys")) keys = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--backoff-ms")) backoff_ms = argv[i + 1];
  }
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<double> base_max, prod_max, e2e_max;
  for (int r = 0; r < runs; ++r) {
    fs::path data = fs::temp_directory_path() / ("ftgo-cleaner-stall-" + std::to_string(getpid()) + "-" + std::to_string(r));
    fs::remove_all(data);
    Probe base, during;
    {
      Broker broker(ftgo, data, backoff_ms);
      auto t0 = Clock::now();
      fill(broker.bootstrap, "compacted", mb, keys);
      double fill_ms = ms_since(t0);
      if (broker.cleaned) die("the pass ran during the fill: use fewer --mb or a longer --backoff-ms");
      base = probe(broker.bootstrap, "probe-base", [&] { return true; });
      if (broker.cleaned) die("the pass ran during the baseline probe: use a longer --backoff-ms");
      during = probe(broker.bootstrap, "probe", [&] { return broker.cleaned.load() || ms_since(t0) > 60000; });
      if (!broker.cleaned) die("no cleaner pass in 60 s");
      std::printf("run %d: fill %.0f ms; baseline produce max %.1f ms; during the pass (%d probes): produce "
                  "max %.1f ms (p50 %.2f), publish-to-consume max %.1f ms\n",
                  r + 1, fill_ms, base.produce_max, during.sent, during.produce_max, during.produce_p50, during.e2e_max);
      std::fflush(stdout);
    }
    fs::remove_all(data);
    base_max.push_back(base.produce_max);
    prod_max.push_back(during.produce_max);
    e2e_max.push_back(during.e2e_max);
  }
  std::printf("median of %d runs: baseline produce max %.1f ms; during a pass: produce max %.1f ms, "
              "publish-to-consume max %.1f ms\n",
              runs, median(base_max), median(prod_max), median(e2e_max));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "cleaner_stall_bench: %s\n", e.what());
  return 1;
}
