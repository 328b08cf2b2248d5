#pragma once
// Tells the user when a long-running client (`ftgo tail`) loses its brokers
// and when it has them back: one line on stderr each way, not one per retry.
//
// librdkafka retries by itself, so the client keeps working across a broker
// restart; what it lacks is a word to the user. Its error callback fires on
// every failed reconnect (several a second), and it has no "back up" event.
// The watch therefore reads two signals and prints on state changes only:
//  - the error callback: _ALL_BROKERS_DOWN means down (the last _TRANSPORT
//    or _RESOLVE error before it gives the reason);
//  - the statistics callback (statistics.interval.ms): down when no
//    configured or learned broker is UP, up again when one is.
//
// Install it on the conf before creating the client (install()); it must
// outlive the client. Callbacks run on the thread that polls the client.
#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <string>

namespace ftgo::events::detail {

class ConnectionWatch {
 public:
  // `bootstrap` names the brokers in the messages; lines go to `err`.
  explicit ConnectionWatch(std::string bootstrap, std::FILE* err = stderr) : m_bootstrap(std::move(bootstrap)), m_err(err) {}

  // Sets the error and statistics callbacks and the opaque on `conf`.
  void install(rd_kafka_conf_t* conf);
  // The statistics interval that install() asks for, for the client's settings.
  static constexpr const char* k_stats_interval_ms = "1000";

  // Whether `err` is one the watch reports (so other reporters can skip it).
  static bool is_connection_error(rd_kafka_resp_err_t err);

  bool down() const { return m_down; }
  // State changes the client found out itself (a metadata request that timed
  // out or succeeded); print like the callbacks do, once per change.
  void mark_down(const std::string& reason);
  void mark_up();

  // The two signals, public for the unit tests.
  void on_error(rd_kafka_resp_err_t err, const std::string& reason);
  void on_stats(const std::string& json);

 private:
  std::string m_bootstrap;
  std::FILE* m_err;
  bool m_down = false;
  bool m_seen_up = false;  // a broker was UP at least once: "lost" and "again" make sense
  std::string m_last_reason;
};

}  // namespace ftgo::events::detail
