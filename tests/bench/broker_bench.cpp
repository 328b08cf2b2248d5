// broker_bench: `ftgo broker` side by side with librdkafka's in-memory mock cluster, measured
// from outside with a librdkafka client (the same one for both).
//
//   broker_bench --ftgo build/ftgo [--runs 3] [--messages 200000] [--kafka HOST:PORT]
//                [--no-mock] [--latency-log FILE]
//
// For each broker: produce throughput (acks=all, linger 5 ms; 100 B and 1 KiB values), group
// consume throughput (100 B), publish-to-consume latency (p50/p99 of 1000 messages sent at
// 200/s), and for the two it starts itself: idle RSS and CPU over 5 s from /proc. For ftgo also
// the time from spawn to accepting connections (median of 10). Every figure is the median of
// --runs runs. The mock runs in a child process of its own, so its CPU and RSS are its own.
// scripts/bench-broker.sh builds and runs this; docs/benchmarks/broker.md has results.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// All runs pooled: the messages of every run over the time of every run (each run sends the
// same number), which a single slow or fast run moves less than it moves a median of few.
double pooled_rate(const std::vector<double>& rates) {
    double secs_per_msg = 0;
    for (double r : rates) secs_per_msg += 1 / r;
    return rates.empty() ? 0 : static_cast<double>(rates.size()) / secs_per_msg;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

[[noreturn]] void die(const std::string& what) {
    throw std::runtime_error(what);
}

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

bool can_connect(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    return ok;
}

// ---- the brokers under test ----------------------------------------------------------------

// A broker process: `ftgo broker` or the mock cluster in a forked child.
struct BrokerProcess {
    pid_t pid = -1;
    std::string bootstrap;
    double ready_ms = 0;

    // Owns the child: a bench that stops on an error does not leave its brokers running.
    BrokerProcess() = default;
    BrokerProcess(const BrokerProcess&) = delete;
    BrokerProcess& operator=(const BrokerProcess&) = delete;
    BrokerProcess(BrokerProcess&& o) noexcept : pid(o.pid), bootstrap(std::move(o.bootstrap)), ready_ms(o.ready_ms) {
        o.pid = -1;
    }
    BrokerProcess& operator=(BrokerProcess&& o) noexcept {
        if (this != &o) {
            stop();
            pid = o.pid;
            bootstrap = std::move(o.bootstrap);
            ready_ms = o.ready_ms;
            o.pid = -1;
        }
        return *this;
    }
    ~BrokerProcess() { stop(); }

    void stop() {
        if (pid > 0) {
            kill(pid, SIGTERM);
            int status = 0;
            waitpid(pid, &status, 0);
            pid = -1;
        }
    }
};

BrokerProcess spawn_ftgo(const std::string& ftgo, const fs::path& data) {
    BrokerProcess b;
    int port = free_port();
    b.bootstrap = "127.0.0.1:" + std::to_string(port);
    auto t0 = Clock::now();
    b.pid = fork();
    if (b.pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        std::string p = std::to_string(port), d = data.string();
        execl(ftgo.c_str(), ftgo.c_str(), "broker", "--port", p.c_str(), "--data", d.c_str(), nullptr);
        _exit(127);
    }
    while (!can_connect(port)) {
        if (seconds_since(t0) > 20) die("ftgo broker did not accept connections in 20 s");
        int status = 0;
        if (waitpid(b.pid, &status, WNOHANG) == b.pid) die("ftgo broker exited at start");
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    b.ready_ms = seconds_since(t0) * 1000;
    return b;
}

std::vector<std::string> bench_topics(int runs) {
    std::vector<std::string> out;
    for (int r = 0; r < runs; ++r)
        for (const char* kind : {"p100", "p1k", "lat"})
            out.push_back(std::string(kind) + "-" + std::to_string(getpid()) + "-" + std::to_string(r));
    return out;
}

// The mock cluster auto-creates topics with several partitions; ftgo's default is one. The
// bench's topics are made up front with one partition so both brokers do the same work.
BrokerProcess spawn_mock(const std::vector<std::string>& topics) {
    int fds[2];
    if (pipe(fds) != 0) die("pipe");
    BrokerProcess b;
    b.pid = fork();
    if (b.pid == 0) {
        close(fds[0]);
        char err[512];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
        rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, 1);
        for (const auto& t : topics) rd_kafka_mock_topic_create(mc, t.c_str(), 1, 1);
        std::string bs = std::string(rd_kafka_mock_cluster_bootstraps(mc)) + "\n";
        if (write(fds[1], bs.data(), bs.size()) < 0) _exit(1);
        close(fds[1]);
        for (;;) pause();
    }
    close(fds[1]);
    char buf[256] = {};
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    if (n <= 0) die("the mock cluster did not start");
    b.bootstrap = std::string(buf, strcspn(buf, "\n"));
    return b;
}

// RSS in KiB and CPU ticks (utime + stime) of a process, from /proc.
long rss_kib(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

long cpu_ticks(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::istringstream rest(all.substr(all.rfind(')') + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::stol(field);
        if (i == 15) stime = std::stol(field);
    }
    return utime + stime;
}

// CPU time of all a process's threads in ns (/proc/PID/task/*/schedstat): finer than ticks.
double cpu_ns(pid_t pid) {
    double total = 0;
    std::error_code ec;
    for (const auto& t : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
        std::ifstream f(t.path() / "schedstat");
        double ns = 0;
        if (f >> ns) total += ns;
    }
    return total;
}

// This process's CPU time, its finished threads included: the producing client's (the mock
// runs in a forked child).
double own_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// CPU used while nobody talks to the broker, in % of one core over `secs` seconds.
double idle_cpu_percent(pid_t pid, int secs) {
    long t0 = cpu_ticks(pid);
    std::this_thread::sleep_for(std::chrono::seconds(secs));
    return 100.0 * static_cast<double>(cpu_ticks(pid) - t0) / static_cast<double>(sysconf(_SC_CLK_TCK)) / secs;
}

// ---- the client side ------------------------------------------------------------------------

rd_kafka_conf_t* base_conf(const std::string& bootstrap) {
    char err[512];
    rd_kafka_conf_t* c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
    rd_kafka_conf_set(c, "log_level", "3", err, sizeof err);
    return c;
}

void set(rd_kafka_conf_t* c, const char* k, const char* v) {
    char err[512];
    if (rd_kafka_conf_set(c, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) die(std::string(k) + ": " + err);
}

std::atomic<long> g_delivered{0}, g_failed{0};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    if (m->err) ++g_failed;
    else ++g_delivered;
}

// Produces n values of `size` bytes with acks=all, linger 5 ms; returns msg/s.
double produce(const std::string& bootstrap, const std::string& topic, long n, int size) {
    rd_kafka_conf_t* c = base_conf(bootstrap);
    set(c, "acks", "all");
    set(c, "linger.ms", "5");
    set(c, "queue.buffering.max.messages", "1000000");
    rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
    char err[512];
    rd_kafka_t* p = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    if (!p) die(err);
    std::string value(static_cast<size_t>(size), 'x');
    // One message first, out of the timing: the connection, the metadata and the topic's
    // creation are set-up, not throughput (the mock's topics exist before the run).
    if (rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_VALUE(value.data(), value.size()),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_flush(p, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        die("produce: the warm-up message was not delivered");
    g_delivered = g_failed = 0;
    auto t0 = Clock::now();
    for (long i = 0; i < n; ++i) {
        char key[32];
        int kl = snprintf(key, sizeof key, "k%ld", i % 1000);
        while (rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(key, static_cast<size_t>(kl)),
                                 RD_KAFKA_V_VALUE(value.data(), value.size()),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(p, 5);
        rd_kafka_poll(p, 0);
    }
    if (rd_kafka_flush(p, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("produce: flush timed out");
    double secs = seconds_since(t0);
    rd_kafka_destroy(p);
    if (g_failed || g_delivered != n) die("produce: " + std::to_string(g_failed.load()) + " failed deliveries");
    return static_cast<double>(n) / secs;
}

// Consumes n records of `topic` in a new group from the beginning; returns msg/s from the first
// record to the last (or to the cap, when a slow broker hits it) and how many it got.
std::pair<double, long> group_consume(const std::string& bootstrap, const std::string& topic, long n, double cap_s) {
    rd_kafka_conf_t* c = base_conf(bootstrap);
    static int seq = 0;
    std::string group = "bench-" + std::to_string(getpid()) + "-" + std::to_string(++seq);
    set(c, "group.id", group.c_str());
    set(c, "auto.offset.reset", "earliest");
    set(c, "enable.auto.commit", "true");
    char err[512];
    rd_kafka_t* k = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
    if (!k) die(err);
    rd_kafka_poll_set_consumer(k);
    rd_kafka_topic_partition_list_t* tl = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(tl, topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(k, tl);
    rd_kafka_topic_partition_list_destroy(tl);
    long got = 0;
    Clock::time_point first{};
    auto start = Clock::now();
    while (got < n && seconds_since(start) < cap_s + 30 && (got == 0 || seconds_since(first) < cap_s)) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(k, 100);
        if (!m) continue;
        if (!m->err) {
            if (got++ == 0) first = Clock::now();
        }
        rd_kafka_message_destroy(m);
    }
    double secs = got ? seconds_since(first) : 1;
    rd_kafka_consumer_close(k);
    rd_kafka_destroy(k);
    return {got > 1 ? static_cast<double>(got - 1) / secs : 0, got};
}

// One message of the latency phase: when it was sent (ms after the first) and how long it took.
struct Sample {
    double sent_ms;
    double latency_ms;
};

// Sends `count` messages at `rate`/s carrying their send time; an assigned consumer at the end
// of the partition measures send-to-receive.
std::vector<Sample> latency(const std::string& bootstrap, const std::string& topic, int count, int rate) {
    char err[512];
    rd_kafka_conf_t* pc = base_conf(bootstrap);
    set(pc, "acks", "all");
    set(pc, "linger.ms", "0");
    rd_kafka_t* p = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
    // Create the topic and learn its end before the consumer starts.
    rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_VALUE(const_cast<char*>("warm"), 4),
                      RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    rd_kafka_flush(p, 30000);
    rd_kafka_conf_t* cc = base_conf(bootstrap);
    set(cc, "group.id", "bench-latency");
    set(cc, "enable.auto.commit", "false");
    set(cc, "fetch.wait.max.ms", "500");
    set(cc, "fetch.error.backoff.ms", "10");
    rd_kafka_t* k = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof err);
    rd_kafka_poll_set_consumer(k);
    rd_kafka_topic_partition_list_t* tl = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(tl, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_END;
    rd_kafka_assign(k, tl);
    rd_kafka_topic_partition_list_destroy(tl);
    // Let the consumer resolve the end and park its first fetch.
    for (int i = 0; i < 10; ++i)
        if (rd_kafka_message_t* m = rd_kafka_consumer_poll(k, 100)) rd_kafka_message_destroy(m);
    std::vector<Sample> out;
    std::atomic<bool> done{false};
    const int64_t start = Clock::now().time_since_epoch().count();
    std::thread reader([&] {
        while (!done || static_cast<int>(out.size()) < count) {
            rd_kafka_message_t* m = rd_kafka_consumer_poll(k, 100);
            if (!m) {
                if (done) break;
                continue;
            }
            if (!m->err && m->len == sizeof(int64_t)) {
                int64_t sent;
                memcpy(&sent, m->payload, sizeof sent);
                int64_t now = Clock::now().time_since_epoch().count();
                out.push_back({static_cast<double>(sent - start) / 1e6, static_cast<double>(now - sent) / 1e6});
            }
            rd_kafka_message_destroy(m);
        }
    });
    auto t0 = Clock::now();
    for (int i = 0; i < count; ++i) {
        std::this_thread::sleep_until(t0 + std::chrono::microseconds(1000000LL * i / rate));
        int64_t now = Clock::now().time_since_epoch().count();
        rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE(&now, sizeof now),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        rd_kafka_poll(p, 0);
    }
    rd_kafka_flush(p, 30000);
    auto wait_until = Clock::now() + std::chrono::seconds(10);
    while (static_cast<int>(out.size()) < count && Clock::now() < wait_until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    done = true;
    reader.join();
    rd_kafka_consumer_close(k);
    rd_kafka_destroy(k);
    rd_kafka_destroy(p);
    return out;
}

}  // namespace

namespace {

struct Options {
    std::string ftgo;
    std::string kafka;
    int runs = 3;
    long messages = 200000;
    double consume_cap_s = 10;
    bool mock = true;  // --no-mock: ftgo alone (to profile it)
    FILE* latency_log = nullptr;  // --latency-log FILE: every latency sample (run, broker, sent ms, ms)
};

struct Figures {
    std::vector<double> produce_100, produce_1k, consume, p50, p99, produce_cpu_us, produce_1k_cpu_us;
    std::vector<double> client_1k_cpu_us;  // the producing client's own CPU (this process)
    long consumed_last = 0;
    double rss_start_mb = -1, rss_load_mb = -1, idle_cpu = -1;
    std::vector<double> ready_ms;
};

// One run against one broker: the four client-side measurements.
// The broker's own CPU time per message (pid -1: not measured) does not depend on how busy
// the shared machine is, unlike the rates.
void measure_run(const Options& o, int r, const std::string& name, const std::string& bootstrap, pid_t pid,
                 Figures& f) {
    std::string suffix = "-" + std::to_string(getpid()) + "-" + std::to_string(r);
    double ns = pid > 0 ? cpu_ns(pid) : 0;
    f.produce_100.push_back(produce(bootstrap, "p100" + suffix, o.messages, 100));
    if (pid > 0) f.produce_cpu_us.push_back((cpu_ns(pid) - ns) / 1e3 / static_cast<double>(o.messages));
    ns = pid > 0 ? cpu_ns(pid) : 0;
    double client_ns = own_cpu_ns();
    f.produce_1k.push_back(produce(bootstrap, "p1k" + suffix, o.messages / 2, 1024));
    if (pid > 0) f.produce_1k_cpu_us.push_back((cpu_ns(pid) - ns) / 1e3 / static_cast<double>(o.messages / 2));
    f.client_1k_cpu_us.push_back((own_cpu_ns() - client_ns) / 1e3 / static_cast<double>(o.messages / 2));
    auto [rate, got] = group_consume(bootstrap, "p100" + suffix, o.messages, o.consume_cap_s);
    f.consume.push_back(rate);
    f.consumed_last = got;
    auto samples = latency(bootstrap, "lat" + suffix, 1000, 200);
    if (samples.size() < 990) die("latency: only " + std::to_string(samples.size()) + " of 1000 messages came back");
    std::vector<double> lat;
    for (const Sample& s : samples) lat.push_back(s.latency_ms);
    if (o.latency_log) {
        for (const Sample& s : samples)
            fprintf(o.latency_log, "%d\t%s\t%.3f\t%.3f\n", r + 1, name.c_str(), s.sent_ms, s.latency_ms);
        fflush(o.latency_log);
    }
    f.p50.push_back(percentile(lat, 0.50));
    f.p99.push_back(percentile(lat, 0.99));
    fprintf(stderr, "  run %d %-16s produce %7.0f / %7.0f msg/s, consume %7.0f msg/s (%ld), p50 %.2f ms, p99 %.2f ms",
            r + 1, name.c_str(), f.produce_100.back(), f.produce_1k.back(), rate, got, f.p50.back(), f.p99.back());
    if (pid > 0)
        fprintf(stderr, ", broker CPU %.3f / %.3f us/msg", f.produce_cpu_us.back(), f.produce_1k_cpu_us.back());
    fprintf(stderr, ", client CPU 1 KiB %.3f us/msg", f.client_1k_cpu_us.back());
    fprintf(stderr, "\n");
}

void idle_figures(BrokerProcess& b, Figures& f, bool after_start) {
    if (after_start) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        f.rss_start_mb = static_cast<double>(rss_kib(b.pid)) / 1024;
        return;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    f.rss_load_mb = static_cast<double>(rss_kib(b.pid)) / 1024;
    f.idle_cpu = idle_cpu_percent(b.pid, 5);
}

std::string fmt_num(double v, const char* unit = "") {
    char buf[64];
    if (v < 0) return "n/a";
    if (v >= 1000) snprintf(buf, sizeof buf, "%.0f%s", v, unit);
    else if (v < 1 && v > 0) snprintf(buf, sizeof buf, "%.3f%s", v, unit);
    else snprintf(buf, sizeof buf, "%.2f%s", v, unit);
    return buf;
}

void print_table(const std::vector<std::pair<std::string, Figures>>& all, const Options& o) {
    printf("\nbroker_bench: %d runs, %ld messages of 100 B (%ld of 1 KiB), medians\n\n", o.runs, o.messages,
           o.messages / 2);
    printf("| figure |");
    for (auto& [name, f] : all) printf(" %s |", name.c_str());
    if (all.size() >= 2) printf(" %s / %s |", all[0].first.c_str(), all[1].first.c_str());
    printf("\n|---|");
    for (size_t i = 0; i < all.size() + (all.size() >= 2); ++i) printf("---|");
    printf("\n");
    auto row = [&](const char* label, std::function<double(const Figures&)> get, const char* unit) {
        printf("| %s |", label);
        for (auto& [name, f] : all) printf(" %s |", fmt_num(get(f), unit).c_str());
        if (all.size() >= 2) {
            double a = get(all[0].second), b = get(all[1].second);
            if (a >= 0 && b > 0) printf(" %.2fx |", a / b);
            else printf(" |");
        }
        printf("\n");
    };
    row("produce 100 B, acks=all (msg/s)", [](const Figures& f) { return median(f.produce_100); }, "");
    row("produce 100 B (MB/s)", [](const Figures& f) { return median(f.produce_100) * 100 / 1e6; }, "");
    row("produce 1 KiB, acks=all (msg/s)", [](const Figures& f) { return median(f.produce_1k); }, "");
    row("produce 100 B, all runs pooled (msg/s)", [](const Figures& f) { return pooled_rate(f.produce_100); }, "");
    row("produce 1 KiB, all runs pooled (msg/s)", [](const Figures& f) { return pooled_rate(f.produce_1k); }, "");
    row("produce 1 KiB (MB/s)", [](const Figures& f) { return median(f.produce_1k) * 1024 / 1e6; }, "");
    auto med_or_none = [](const std::vector<double>& v) { return v.empty() ? -1 : median(v); };
    row("broker CPU per 100 B message produced (us)", [&](const Figures& f) { return med_or_none(f.produce_cpu_us); }, "");
    row("broker CPU per 1 KiB message produced (us)", [&](const Figures& f) { return med_or_none(f.produce_1k_cpu_us); }, "");
    row("client CPU per 1 KiB message produced (us)", [](const Figures& f) { return median(f.client_1k_cpu_us); }, "");
    row("group consume 100 B (msg/s)", [](const Figures& f) { return median(f.consume); }, "");
    row("latency p50 at 200/s (ms)", [](const Figures& f) { return median(f.p50); }, "");
    row("latency p99 at 200/s (ms)", [](const Figures& f) { return median(f.p99); }, "");
    row("spawn to accepting, median of 10 (ms)",
        [](const Figures& f) { return f.ready_ms.empty() ? -1 : median(f.ready_ms); }, "");
    row("RSS idle after start (MB)", [](const Figures& f) { return f.rss_start_mb; }, "");
    row("RSS idle after the load (MB)", [](const Figures& f) { return f.rss_load_mb; }, "");
    row("CPU idle over 5 s (% of a core)", [](const Figures& f) { return f.idle_cpu; }, "");
    for (auto& [name, f] : all)
        if (f.consumed_last < o.messages)
            printf("\n%s: the group consumer got %ld of %ld records within the %.0f s cap\n", name.c_str(),
                   f.consumed_last, o.messages, o.consume_cap_s);
}

int run(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) die(a + " needs a value");
            return argv[++i];
        };
        if (a == "--ftgo") o.ftgo = value();
        else if (a == "--kafka") o.kafka = value();
        else if (a == "--runs") o.runs = std::stoi(value());
        else if (a == "--messages") o.messages = std::stol(value());
        else if (a == "--consume-cap") o.consume_cap_s = std::stod(value());
        else if (a == "--no-mock") o.mock = false;
        else if (a == "--latency-log") {
            std::string path = value();
            if (!(o.latency_log = fopen(path.c_str(), "w"))) die("cannot write " + path + ": " + strerror(errno));
        } else
            die("usage: broker_bench [--ftgo PATH] [--runs N] [--messages N] [--consume-cap S] [--kafka HOST:PORT] "
                "[--no-mock] [--latency-log FILE]");
    }
    std::vector<std::pair<std::string, Figures>> all;
    fs::path tmp = fs::temp_directory_path() / ("broker-bench-" + std::to_string(getpid()));
    fs::create_directories(tmp);

    // Spawn-to-ready first, on an otherwise idle machine.
    Figures ftgo, mock, kafka;
    for (int i = 0; i < 10 && !o.ftgo.empty(); ++i) {
        BrokerProcess b = spawn_ftgo(o.ftgo, tmp / ("ready-" + std::to_string(i)));
        ftgo.ready_ms.push_back(b.ready_ms);
        b.stop();
    }
    // Both brokers up at once and the runs interleaved, so a busy moment on this shared
    // machine hits both alike.
    std::optional<BrokerProcess> ftgo_broker;
    if (!o.ftgo.empty()) {
        ftgo_broker = spawn_ftgo(o.ftgo, tmp / "data");
        idle_figures(*ftgo_broker, ftgo, true);
    }
    std::optional<BrokerProcess> mock_broker;
    if (o.mock) {
        mock_broker = spawn_mock(bench_topics(o.runs));
        idle_figures(*mock_broker, mock, true);
    }
    // The order turns each round (ftgo, mock, Kafka; then mock, Kafka, ftgo; ...): the broker
    // measured first meets a client whose allocator and page cache the others have not warmed.
    std::vector<std::function<void(int)>> brokers;
    if (ftgo_broker)
        brokers.push_back([&](int r) { measure_run(o, r, "ftgo broker", ftgo_broker->bootstrap, ftgo_broker->pid, ftgo); });
    if (mock_broker)
        brokers.push_back([&](int r) { measure_run(o, r, "librdkafka mock", mock_broker->bootstrap, mock_broker->pid, mock); });
    if (!o.kafka.empty()) brokers.push_back([&](int r) { measure_run(o, r, "Apache Kafka", o.kafka, -1, kafka); });
    for (int r = 0; r < o.runs; ++r)
        for (std::size_t i = 0; i < brokers.size(); ++i) brokers[(i + static_cast<std::size_t>(r)) % brokers.size()](r);
    if (ftgo_broker) {
        idle_figures(*ftgo_broker, ftgo, false);
        ftgo_broker->stop();
        all.emplace_back("ftgo broker", ftgo);
    }
    if (mock_broker) {
        idle_figures(*mock_broker, mock, false);
        mock_broker->stop();
        all.emplace_back("librdkafka mock", mock);
    }
    if (!o.kafka.empty()) all.emplace_back("Apache Kafka", kafka);
    fs::remove_all(tmp);
    print_table(all, o);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        fprintf(stderr, "broker_bench: error: %s\n", e.what());
        return 1;
    }
}
