// `ftgo tail TOPIC...`: watch events on topics.
#include <chrono>
#include <csignal>
#include <cstdio>

#include "commands.hpp"
#include "events/brokers.hpp"
#include "events/tail.hpp"

namespace ftgo::cli {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) { g_stop = true; }

struct TailFlags {
  std::vector<std::string> topics;
  std::string from = "end";
  int64_t count = -1;
  bool exit_at_end = false;
  std::string group;
  std::string output = "text";
  std::vector<std::string> where;
  bool wait = false;
  std::string isolation = "read_committed";
};

void run_tail(const TailFlags& f, const Globals& g) {
  events::TailOptions o;
  o.topics = f.topics;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  o.from = events::parse_start_position(f.from, now.count());
  if (f.count >= 0) o.count = static_cast<uint64_t>(f.count);
  o.exit_at_end = f.exit_at_end;
  o.group = f.group;
  o.format = g.json ? events::OutputFormat::json : events::parse_output_format(f.output);
  for (const auto& w : f.where) o.filters.push_back(events::parse_filter(w));
  o.wait_for_topics = f.wait;
  o.read_uncommitted = f.isolation == "read_uncommitted";
  o.color = o.format == events::OutputFormat::text && events::stdout_wants_color();

  auto brokers = events::resolve_brokers(g.brokers, g.find_workspace_root());

  // Ctrl-C and SIGTERM end the tail cleanly (exit 0); a closed pipe ends it quietly.
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // Large buffer for throughput; the tail flushes whenever it catches up.
  static char buffer[1 << 20];
  std::setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
  events::tail(brokers, o, stdout, g_stop);
  std::fflush(stdout);
}

}  // namespace

void setup_tail(CLI::App& app, Globals& g) {
  auto f = std::make_shared<TailFlags>();
  auto* cmd = app.add_subcommand("tail", "Watch events on topics");
  cmd->add_option("topics", f->topics, "The topics")->required();
  cmd->add_option("--from", f->from,
                  "Where to start: beginning, end (default), OFFSET, -N (last N per partition), "
                  "@TIME (epoch ms, ISO-8601, or relative like @-10m)");
  cmd->add_option("-n,--count", f->count, "Stop after COUNT events")->check(whole_number(0, INT64_MAX));
  cmd->add_flag("-e,--exit", f->exit_at_end, "Exit once the end of every partition is reached");
  cmd->add_option("-g,--group", f->group, "Consume as this consumer group and commit offsets");
  cmd->add_option("-o,--output", f->output, "text (default), json (the envelope publish --jsonl reads) or raw")
      ->type_name("FORMAT");
  cmd->add_option("--where", f->where,
                  "Only events where SELECTOR matches GLOB: key=, value=, value.FIELD.PATH=, header.NAME= "
                  "(repeatable; all must match; != negates)")
      ->type_name("SELECTOR=GLOB");
  cmd->add_flag("--wait", f->wait, "Wait for topics that do not exist yet, and for Kafka if it is not up yet");
  cmd->add_option("--isolation-level", f->isolation,
                  "read_committed (the default: events of committed transactions only; an open transaction holds "
                  "the tail at its first event) or read_uncommitted (every event, as written)")
      ->check(CLI::IsMember({"read_committed", "read_uncommitted"}));
  cmd->callback([f, &g] { run_tail(*f, g); });
}

}  // namespace ftgo::cli
