// ftgo broker: runs the embedded Kafka-compatible broker in the foreground.
#include <cstdio>
#include <iostream>

#include "broker/connection.hpp"
#include "broker/server.hpp"
#include "commands.hpp"
#include "util/error.hpp"

namespace ftgo::cli {

namespace {

struct BrokerOptions {
  std::uint16_t port = 9092;
  std::string host = "127.0.0.1";
  std::string data;
  int partitions = 1;
  std::string fsync = "interval";
};

void run_broker(const BrokerOptions& opt, const Globals& g) {
  broker::BrokerOptions b;
  b.host = opt.host;
  b.port = opt.port;
  b.default_partitions = opt.partitions;
  b.log.fsync = opt.fsync == "always" ? broker::storage::FsyncPolicy::always
                                      : broker::storage::FsyncPolicy::interval;
  if (!opt.data.empty()) {
    b.data_dir = opt.data;
  } else if (auto root = g.find_workspace_root()) {
    b.data_dir = *root / ".ftgo" / "kafka";
  } else {
    b.data_dir = std::filesystem::path(".ftgo") / "kafka";
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
      "Speaks the Kafka protocol (non-flexible versions) to any Kafka client. Requests are limited to "
      "100 MiB per frame (larger frames close the connection); record batches to 1 MiB (message.max.bytes "
      "1048588). Topics are auto-created on Metadata. --fsync interval (the default) flushes every second: "
      "acknowledged writes survive kill -9 of the broker but not a power loss; --fsync always syncs each "
      "write before acknowledging it (slower). SIGTERM or SIGINT stops it cleanly.");
  cmd->add_option("--port", opt->port, "Port to listen on")->default_val(9092);
  cmd->add_option("--host", opt->host, "Address to listen on and advertise to clients")
      ->default_val("127.0.0.1");
  cmd->add_option("--data", opt->data, "Data directory (default: .ftgo/kafka of the workspace, else ./.ftgo/kafka)")
      ->type_name("DIR");
  cmd->add_option("--partitions", opt->partitions, "Partitions of auto-created topics")
      ->default_val(1)
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--fsync", opt->fsync, "When to fsync: always (each write) or interval (every second)")
      ->default_val("interval")
      ->check(CLI::IsMember({"always", "interval"}));
  cmd->callback([opt, &g] { run_broker(*opt, g); });
}

}  // namespace ftgo::cli
