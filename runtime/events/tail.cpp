#include "events/tail.hpp"

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "events/client.hpp"
#include "events/connection_watch.hpp"
#include "events/topic_name.hpp"
#include "util/error.hpp"
#include "util/spell.hpp"

namespace ftgo::events {

namespace {

constexpr int k_poll_ms = 100;

// Consumer settings: fetch big, answer live events quickly, no commits
// unless a group asks for them.
std::map<std::string, std::string> consumer_settings(const TailOptions& o) {
  std::map<std::string, std::string> s = {
      {"enable.partition.eof", "true"},
      {"fetch.wait.max.ms", "100"},
      {"fetch.message.max.bytes", "4194304"},
      {"queued.min.messages", "200000"},
      {"queued.max.messages.kbytes", "262144"},
      {"enable.auto.offset.store", "false"},
      {"statistics.interval.ms", detail::ConnectionWatch::k_stats_interval_ms},
      {"isolation.level", o.read_uncommitted ? "read_uncommitted" : "read_committed"},
  };
  if (o.group.empty()) {
    s["enable.auto.commit"] = "false";
  } else {
    s["group.id"] = o.group;
    s["enable.auto.commit"] = "true";
    s["auto.commit.interval.ms"] = "1000";
    s["auto.offset.reset"] = o.from.kind == StartPosition::Kind::beginning ? "earliest" : "latest";
  }
  return s;
}

// Partition counts of `names`, waiting for missing topics (and for the
// brokers) when asked.
std::map<std::string, int> find_topics(rd_kafka_t* rk, const Brokers& brokers, const TailOptions& o,
                                       const std::atomic<bool>& stop, detail::ConnectionWatch& watch) {
  bool said_waiting = false;
  while (true) {
    detail::MetadataHandle md;
    try {
      md = detail::all_metadata(rk, brokers, watch.down() ? 1000 : detail::k_connect_timeout_ms);
    } catch (const Error& e) {
      if (!o.wait_for_topics || e.what_failed() != "cannot reach Kafka") throw;
      watch.mark_down(e.cause());
      rd_kafka_poll(rk, 0);
      if (stop) return {};
      continue;
    }
    // Serve what the callbacks queued while the brokers were away, then say
    // they are back: a stale "all brokers down" must not follow.
    rd_kafka_poll(rk, 0);
    watch.mark_up();
    std::map<std::string, int> found;
    std::vector<std::string> all;
    for (int i = 0; i < md->topic_cnt; ++i) {
      const auto& t = md->topics[i];
      if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || t.partition_cnt == 0) continue;
      all.emplace_back(t.topic);
      found[t.topic] = t.partition_cnt;
    }
    std::vector<std::string> missing;
    std::map<std::string, int> wanted;
    for (const auto& name : o.topics) {
      if (!found.count(name)) missing.push_back(name);
      else wanted[name] = found[name];
    }
    if (missing.empty()) return wanted;
    if (!o.wait_for_topics) {
      throw usage_error("unknown topic", missing.front(),
                        "no such topic on " + brokers.bootstrap + util::did_you_mean(missing.front(), all) +
                            " (use --wait to wait for it)");
    }
    if (!said_waiting) {
      std::fprintf(stderr, "ftgo: waiting for topic %s on %s\n", missing.front().c_str(), brokers.bootstrap.c_str());
      said_waiting = true;
    }
    for (int i = 0; i < 5 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (stop) return {};
  }
}

Event to_event(const rd_kafka_message_t* m) {
  Event e;
  e.topic = rd_kafka_topic_name(m->rkt);
  e.partition = m->partition;
  e.offset = m->offset;
  rd_kafka_timestamp_type_t tstype;
  int64_t ts = rd_kafka_message_timestamp(m, &tstype);
  if (tstype != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && ts >= 0) e.timestamp = ts;
  if (m->key) e.key = std::string(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) e.value = std::string(static_cast<const char*>(m->payload), m->len);
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
    const char* name;
    const void* val;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      if (val) e.headers.push_back({name, std::string(static_cast<const char*>(val), size)});
      else e.headers.push_back({name, std::nullopt});
    }
  }
  return e;
}

// Writes matching events and tracks counts and partition ends; shared by both consumers.
class Sink {
 public:
  Sink(const TailOptions& o, std::FILE* out) : m_options(o), m_filters(o.filters), m_out(out) {}

  // Handles one message or event; returns false when tailing should stop.
  // A partition counts as at its end once it has reported it (as kcat -e).
  bool handle(const rd_kafka_message_t* m) {
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      m_at_end.insert({rd_kafka_topic_name(m->rkt), m->partition});
      return true;
    }
    if (m->err) {
      if (detail::ConnectionWatch::is_connection_error(m->err)) return true;  // the ConnectionWatch says it
      report(m);
      return !fatal(m->err);
    }
    if (!print(m)) return false;
    return !(m_options.count && m_printed >= *m_options.count);
  }

  bool all_at_end(const std::set<std::pair<std::string, int32_t>>& partitions) const {
    if (partitions.empty()) return false;
    for (const auto& p : partitions) {
      if (!m_at_end.count(p)) return false;
    }
    return true;
  }

  bool write_failed() const { return m_write_failed; }
  uint64_t printed() const { return m_printed; }
  void flush() {
    if (std::fflush(m_out) != 0) m_write_failed = true;
  }

 private:
  bool print(const rd_kafka_message_t* m) {
    if (m_options.format == OutputFormat::raw && m_filters.empty()) {
      if (m->payload) fwrite_unlocked(m->payload, 1, m->len, m_out);
      putc_unlocked('\n', m_out);
    } else {
      Event e = to_event(m);
      if (!m_filters.matches(e)) return true;
      std::string text;
      switch (m_options.format) {
        case OutputFormat::raw:
          text = e.value.value_or("") + "\n";
          break;
        case OutputFormat::json:
          text = encode_envelope(e) + "\n";
          break;
        case OutputFormat::text:
          text = format_text(e, m_options.color);
          break;
      }
      fwrite_unlocked(text.data(), 1, text.size(), m_out);
    }
    if (std::ferror(m_out)) {
      m_write_failed = true;
      return false;
    }
    ++m_printed;
    return true;
  }

  static bool fatal(rd_kafka_resp_err_t err) {
    return err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED || err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED ||
           err == RD_KAFKA_RESP_ERR__FATAL;
  }

  void report(const rd_kafka_message_t* m) {
    std::string where = m->rkt ? std::string(rd_kafka_topic_name(m->rkt)) + "[" + std::to_string(m->partition) + "]" : "";
    std::string what = rd_kafka_message_errstr(m);
    if (what != m_last_error) {
      std::fprintf(stderr, "ftgo: warning: %s%s%s\n", where.c_str(), where.empty() ? "" : ": ", what.c_str());
      m_last_error = what;
    }
  }

  const TailOptions& m_options;
  FilterSet m_filters;
  std::FILE* m_out;
  uint64_t m_printed = 0;
  bool m_write_failed = false;
  std::set<std::pair<std::string, int32_t>> m_at_end;
  std::string m_last_error;
};

struct LoopState {
  Sink* sink;
  rd_kafka_t* rk;
  bool running;
};

void on_message(rd_kafka_message_t* m, void* opaque) {
  auto* state = static_cast<LoopState*>(opaque);
  if (!state->running) return;
  if (!state->sink->handle(m)) {
    state->running = false;
    rd_kafka_yield(state->rk);
  }
}

int64_t start_offset(const StartPosition& from) {
  switch (from.kind) {
    case StartPosition::Kind::beginning: return RD_KAFKA_OFFSET_BEGINNING;
    case StartPosition::Kind::end: return RD_KAFKA_OFFSET_END;
    case StartPosition::Kind::offset: return from.value;
    case StartPosition::Kind::last: return RD_KAFKA_OFFSET_TAIL(from.value);
    case StartPosition::Kind::time: return RD_KAFKA_OFFSET_END;  // replaced per partition
  }
  return RD_KAFKA_OFFSET_END;
}

// Start offsets of every partition, looking timestamps up when --from is @TIME.
std::map<std::pair<std::string, int32_t>, int64_t> start_offsets(rd_kafka_t* rk, const Brokers& brokers,
                                                                 const std::map<std::string, int>& topics,
                                                                 const TailOptions& o) {
  std::map<std::pair<std::string, int32_t>, int64_t> offsets;
  for (const auto& [name, count] : topics) {
    for (int32_t p = 0; p < count; ++p) offsets[{name, p}] = start_offset(o.from);
  }
  if (o.from.kind != StartPosition::Kind::time) return offsets;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (const auto& [tp, _] : offsets) rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)->offset = o.from.value;
  rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk, list, detail::k_connect_timeout_ms * 2);
  if (err) {
    rd_kafka_topic_partition_list_destroy(list);
    throw failure("cannot look up offsets by time", brokers.bootstrap, detail::error_text(err));
  }
  for (int i = 0; i < list->cnt; ++i) {
    const auto& tp = list->elems[i];
    // -1: no event at or after the time in this partition: start at its end.
    offsets[{tp.topic, tp.partition}] = (tp.err || tp.offset < 0) ? RD_KAFKA_OFFSET_END : tp.offset;
  }
  rd_kafka_topic_partition_list_destroy(list);
  return offsets;
}

uint64_t tail_partitions(const Brokers& brokers, const TailOptions& o, std::FILE* out, const std::atomic<bool>& stop) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_topic_conf_t* topic_conf = rd_kafka_topic_conf_new();
  char errstr[256];
  const char* reset = o.from.kind == StartPosition::Kind::offset ? "latest" : "earliest";
  rd_kafka_topic_conf_set(topic_conf, "auto.offset.reset", reset, errstr, sizeof errstr);
  rd_kafka_conf_set_default_topic_conf(conf, topic_conf);
  detail::ConnectionWatch watch(brokers.bootstrap);  // outlives the client
  watch.install(conf);
  auto rk = detail::make_client(brokers, RD_KAFKA_CONSUMER, consumer_settings(o), conf);

  auto topics = find_topics(rk.get(), brokers, o, stop, watch);
  if (stop) return 0;
  auto offsets = start_offsets(rk.get(), brokers, topics, o);

  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk.get());
  std::map<std::string, rd_kafka_topic_t*> handles;
  std::set<std::pair<std::string, int32_t>> partitions;
  for (const auto& [tp, offset] : offsets) {
    auto& rkt = handles[tp.first];
    if (!rkt) rkt = rd_kafka_topic_new(rk.get(), tp.first.c_str(), nullptr);
    if (rd_kafka_consume_start_queue(rkt, tp.second, offset, queue) == -1) {
      throw failure("cannot read", tp.first + "[" + std::to_string(tp.second) + "]",
                    detail::error_text(rd_kafka_last_error()));
    }
    partitions.insert(tp);
  }

  Sink sink(o, out);
  // consume_callback_queue serves every message already fetched and waits
  // only when there is none: batches under load, no added latency when live.
  LoopState state{&sink, rk.get(), true};
  while (state.running && !stop) {
    rd_kafka_consume_callback_queue(queue, k_poll_ms, on_message, &state);
    sink.flush();
    if (o.exit_at_end && sink.all_at_end(partitions)) state.running = false;
    rd_kafka_poll(rk.get(), 0);
  }
  sink.flush();
  for (const auto& [tp, _] : offsets) rd_kafka_consume_stop(handles[tp.first], tp.second);
  rd_kafka_queue_destroy(queue);
  for (auto& [_, rkt] : handles) rd_kafka_topic_destroy(rkt);
  return sink.printed();
}

uint64_t tail_group(const Brokers& brokers, const TailOptions& o, std::FILE* out, const std::atomic<bool>& stop) {
  if (o.from.kind != StartPosition::Kind::beginning && o.from.kind != StartPosition::Kind::end) {
    throw usage_error("invalid --from", to_string(o.from),
                      "with -g the group's committed offsets decide where to start; --from takes only beginning or "
                      "end (where a group with no committed offset starts)");
  }
  detail::ConnectionWatch watch(brokers.bootstrap);  // outlives the client
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  watch.install(conf);
  auto rk = detail::make_client(brokers, RD_KAFKA_CONSUMER, consumer_settings(o), conf);
  find_topics(rk.get(), brokers, o, stop, watch);
  if (stop) return 0;
  rd_kafka_poll_set_consumer(rk.get());
  rd_kafka_queue_t* consumer_queue = rd_kafka_queue_get_consumer(rk.get());
  rd_kafka_topic_partition_list_t* subscription = rd_kafka_topic_partition_list_new(static_cast<int>(o.topics.size()));
  for (const auto& t : o.topics) rd_kafka_topic_partition_list_add(subscription, t.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk.get(), subscription);
  rd_kafka_topic_partition_list_destroy(subscription);
  if (err) throw failure("cannot join group", o.group, detail::error_text(err));

  Sink sink(o, out);
  bool running = true;
  while (running && !stop) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), k_poll_ms);
    if (!m) {
      sink.flush();
      continue;
    }
    bool is_message = !m->err;
    running = sink.handle(m);
    if (is_message) rd_kafka_offset_store(m->rkt, m->partition, m->offset);
    bool check_end = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
    rd_kafka_message_destroy(m);
    if (rd_kafka_queue_length(consumer_queue) == 0) sink.flush();
    if (check_end && o.exit_at_end) {
      rd_kafka_topic_partition_list_t* assigned = nullptr;
      if (!rd_kafka_assignment(rk.get(), &assigned) && assigned) {
        std::set<std::pair<std::string, int32_t>> parts;
        for (int i = 0; i < assigned->cnt; ++i) parts.insert({assigned->elems[i].topic, assigned->elems[i].partition});
        rd_kafka_topic_partition_list_destroy(assigned);
        if (sink.all_at_end(parts)) running = false;
      }
    }
  }
  sink.flush();
  rd_kafka_queue_destroy(consumer_queue);
  err = rd_kafka_commit(rk.get(), nullptr, 0);
  if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    std::fprintf(stderr, "ftgo: warning: cannot commit offsets of group %s: %s\n", o.group.c_str(),
                 detail::error_text(err).c_str());
  }
  rd_kafka_consumer_close(rk.get());
  return sink.printed();
}

}  // namespace

uint64_t tail(const Brokers& brokers, const TailOptions& options, std::FILE* out, const std::atomic<bool>& stop) {
  if (options.topics.empty()) throw usage_error("tail", "", "name at least one topic");
  for (const auto& t : options.topics) check_topic_name(t);
  if (options.count && *options.count == 0) return 0;
  return options.group.empty() ? tail_partitions(brokers, options, out, stop) : tail_group(brokers, options, out, stop);
}

}  // namespace ftgo::events
