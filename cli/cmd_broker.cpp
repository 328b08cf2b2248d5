// ftgo broker: runs the embedded Kafka-compatible broker in the foreground.
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker/connection.hpp"
#include "broker/server.hpp"
#include "commands.hpp"
#include "config/loader.hpp"
#include "util/error.hpp"

namespace ftgo::cli {

namespace {

struct BrokerOptions {
  std::optional<std::uint16_t> port;  // unset: the workspace's kafka.port, else 9092
  std::string host = "127.0.0.1";
  std::string data;  // empty: the workspace's kafka.data, else ./.ftgo/kafka
  int partitions = 1;
  std::string fsync = "interval";
  std::int64_t log_cleaner_backoff_ms = 15000;
  std::uint64_t log_cleaner_dedupe_buffer_size = 128ull << 20;
  std::string log_cleaner_crash_after;  // hidden, for crash tests
  std::int64_t offsets_retention_minutes = 10080;
  std::int64_t offsets_retention_ms = 0;  // hidden, for tests: overrides the minutes when set
  std::int64_t offsets_retention_check_interval_ms = 600000;
  std::int64_t txn_timeout_check_interval_ms = 10000;
  std::size_t fetch_session_cache_slots = 1000;
};

// The steps of a cleaner's swap a crash test can stop a broker at (FORMAT.md).
const std::map<std::string, broker::storage::CleanStep> k_crash_steps = {
    {"written", broker::storage::CleanStep::written},
    {"indexes_staged", broker::storage::CleanStep::indexes_staged},
    {"committed", broker::storage::CleanStep::committed},
    {"merged_removed", broker::storage::CleanStep::merged_removed},
    {"indexes_swapped", broker::storage::CleanStep::indexes_swapped}};

broker::storage::CleanStep crash_step(const std::string& name) {
  auto it = k_crash_steps.find(name);
  return it == k_crash_steps.end() ? broker::storage::CleanStep::none : it->second;
}

void run_broker(const BrokerOptions& opt, const Globals& g) {
  broker::BrokerOptions b;
  b.host = opt.host;
  b.default_partitions = opt.partitions;
  b.log_cleaner_backoff_ms = opt.log_cleaner_backoff_ms;
  b.log.cleaner_dedupe_buffer_bytes = opt.log_cleaner_dedupe_buffer_size;
  b.log.cleaner_crash_after = crash_step(opt.log_cleaner_crash_after);
  b.offsets_retention_ms =
      opt.offsets_retention_ms > 0 ? opt.offsets_retention_ms : opt.offsets_retention_minutes * 60'000;
  b.offsets_retention_check_interval_ms = opt.offsets_retention_check_interval_ms;
  b.txn_timeout_check_interval_ms = opt.txn_timeout_check_interval_ms;
  b.fetch_sessions.max_slots = opt.fetch_session_cache_slots;
  b.log.fsync = opt.fsync == "always" ? broker::storage::FsyncPolicy::always
                                      : broker::storage::FsyncPolicy::interval;
  if (!opt.data.empty() && opt.port) {
    b.data_dir = opt.data;
    b.port = *opt.port;
  } else {
    if (!g.workspace_dir.empty() && !std::filesystem::is_directory(g.workspace_dir))
      throw usage_error("no workspace", g.workspace_dir, "no such directory");
    std::filesystem::path cwd = g.workspace_dir.empty() ? std::filesystem::current_path()
                                                        : std::filesystem::absolute(g.workspace_dir);
    auto place = config::broker_place(g.find_workspace_root(), cwd);
    b.data_dir = opt.data.empty() ? place.data : std::filesystem::path(opt.data);
    b.port = opt.port ? *opt.port : static_cast<std::uint16_t>(place.port);
  }
  std::string shown = b.data_dir.string();
  broker::serve(std::move(b), [&](const std::string& address) {
    std::cout << "ftgo broker: ready on " << address << " (data " << shown << ")" << std::endl;
  });
}

}  // namespace

void setup_broker(CLI::App& app, Globals& g) {
  auto opt = std::make_shared<BrokerOptions>();
  auto* cmd = app.add_subcommand("broker", "Run the embedded Kafka-compatible broker");
  cmd->footer(
      "Speaks the Kafka protocol to any Kafka client (the APIs and versions it answers ApiVersions with; "
      "kafka-broker-api-versions.sh lists them). Requests are limited to 100 MiB per frame (larger frames close the connection); record batches to 1 MiB (message.max.bytes "
      "1048588). Topics are auto-created on Metadata. --fsync interval (the default) flushes every second: "
      "acknowledged writes survive kill -9 of the broker but not a power loss; --fsync always syncs each "
      "write before acknowledging it (slower). SIGTERM or SIGINT stops it cleanly. Inside a workspace (found "
      "walking up from the current directory, or -C) whose kafka.mode is embedded, the defaults of --port and "
      "--data are its ftgo.yaml's kafka.port and kafka.data; flags override them.");
  cmd->add_option("--port", opt->port, "Port to listen on (default: kafka.port of the workspace, else 9092)")
      ->check(whole_number(0, 65535));
  cmd->add_option("--host", opt->host, "Address to listen on and advertise to clients")
      ->default_val("127.0.0.1");
  cmd->add_option("--data", opt->data, "Data directory (default: kafka.data of the workspace, else ./.ftgo/kafka)")
      ->type_name("DIR");
  cmd->add_option("--partitions", opt->partitions, "Partitions of auto-created topics")
      ->default_val(1)
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--fsync", opt->fsync, "When to fsync: always (each write) or interval (every second)")
      ->default_val("interval")
      ->check(CLI::IsMember({"always", "interval"}));
  cmd->add_option("--log-cleaner-backoff-ms", opt->log_cleaner_backoff_ms,
                  "How often the log cleaner compacts topics with cleanup.policy=compact (Kafka's "
                  "log.cleaner.backoff.ms)")
      ->default_val(15000)
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{86'400'000}));
  cmd->add_option("--log-cleaner-dedupe-buffer-size", opt->log_cleaner_dedupe_buffer_size,
                  "Memory bound of the log cleaner's key map, in bytes (Kafka's "
                  "log.cleaner.dedupe.buffer.size): a pass cleans as far as the keys that fit, the next pass "
                  "goes on from there")
      ->default_val(128ull << 20)
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  // Hidden: the broker kills itself (SIGKILL) when a cleaner pass reaches
  // this step of its swap, for the crash tests (tests/compat/test_cleaner_crash.py).
  std::vector<std::string> steps;
  for (const auto& [name, step] : k_crash_steps) steps.push_back(name);
  cmd->add_option("--log-cleaner-crash-after", opt->log_cleaner_crash_after)
      ->check(CLI::IsMember(steps))
      ->group("");
  cmd->add_option("--offsets-retention-minutes", opt->offsets_retention_minutes,
                  "How long committed offsets are kept after their consumer group became Empty, or after "
                  "their commit for a group that only commits (Kafka's offsets.retention.minutes); a group "
                  "left without offsets is removed")
      ->default_val(10080)
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000'000}));
  // Hidden: the same in milliseconds, for tests that cannot wait a minute.
  cmd->add_option("--offsets-retention-ms", opt->offsets_retention_ms)
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000'000'000}))
      ->group("");
  cmd->add_option("--offsets-retention-check-interval-ms", opt->offsets_retention_check_interval_ms,
                  "How often expired committed offsets are looked for (Kafka's "
                  "offsets.retention.check.interval.ms)")
      ->default_val(600000)
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{86'400'000}));
  cmd->add_option("--txn-timeout-check-interval-ms", opt->txn_timeout_check_interval_ms,
                  "How often open transactions past their transaction.timeout.ms are looked for and aborted "
                  "(Kafka's transaction.abort.timed.out.transaction.cleanup.interval.ms)")
      ->default_val(10000)
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{3'600'000}));
  cmd->add_option("--max-incremental-fetch-session-cache-slots", opt->fetch_session_cache_slots,
                  "How many incremental fetch sessions (KIP-227) the broker keeps (Kafka's "
                  "max.incremental.fetch.session.cache.slots); when full, a session idle for 2 minutes, or the "
                  "smallest one older than 2 minutes, makes room; 0: consumers always send full fetches")
      ->default_val(1000)
      ->check(CLI::Range(std::size_t{0}, std::size_t{1'000'000}));
  cmd->callback([opt, &g] { run_broker(*opt, g); });
}

}  // namespace ftgo::cli
