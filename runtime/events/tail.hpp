#pragma once
// `ftgo tail`: reads topics from a start position and prints each event
// that passes the filters. Without a group it reads every partition directly
// (librdkafka's simple consumer: no group membership, nothing committed);
// with a group it subscribes, and commits what it printed.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "events/brokers.hpp"
#include "events/filter.hpp"
#include "events/printer.hpp"
#include "events/start_position.hpp"

namespace ftgo::events {

struct TailOptions {
  std::vector<std::string> topics;
  StartPosition from;                 // end by default
  std::optional<uint64_t> count;      // stop after printing this many
  bool exit_at_end = false;           // stop once every partition's end is reached
  std::string group;                  // consume as this group and commit
  OutputFormat format = OutputFormat::text;
  std::vector<Filter> filters;
  bool wait_for_topics = false;       // wait for missing topics (and unreachable brokers) instead of failing
  bool read_uncommitted = false;      // also records of open and aborted transactions (isolation.level)
  bool color = false;
};

// Once tailing, a broker that goes away and comes back gets one line on
// stderr each way (ConnectionWatch) and the tail resumes where it was.
// Runs until `stop` becomes true, the count is reached, or (with
// exit_at_end) every partition's end is reached. Writes to `out` (flushed
// whenever the consumer catches up). Returns the number of events printed.
// Throws ftgo::Error: unreachable brokers, an unknown topic (usage), a
// --from form that a group cannot use (usage).
uint64_t tail(const Brokers& brokers, const TailOptions& options, std::FILE* out, const std::atomic<bool>& stop);

}  // namespace ftgo::events
