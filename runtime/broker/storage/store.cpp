#include "broker/storage/store.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <nlohmann/json.hpp>

#include "broker/storage/clean_job.hpp"
#include "broker/storage/file.hpp"
#include "broker/storage/offsets_log.hpp"
#include "util/error.hpp"

namespace ftgo::broker::storage {

struct Store::Impl {
  struct Topic {
    TopicInfo info;
    std::vector<std::unique_ptr<PartitionLog>> partitions;
  };
  fs::path data_dir;
  LogOptions defaults;
  std::map<std::string, Topic> topics;
  AllOffsets offsets;
  std::unique_ptr<OffsetsLog> offsets_log;
  std::uint64_t trash_counter = 0;
  std::pair<std::string, int> clean_cursor{"", 0};  // the next partition plan_clean looks at

  fs::path topics_dir() const { return data_dir / "topics"; }
  fs::path trash_dir() const { return data_dir / "trash"; }
  void load_topic(const fs::path& dir);
  void open_partitions(Topic& t);
};

bool valid_topic_name(const std::string& name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-'))
      return false;
  return true;
}

std::vector<std::string> split_config_list(const std::string& value) {
  std::vector<std::string> out;
  std::stringstream in(value);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

namespace {

std::int64_t config_int(const TopicInfo& info, const std::string& key, std::int64_t fallback, std::int64_t min) {
  auto it = info.config.find(key);
  if (it == info.config.end()) return fallback;
  std::size_t used = 0;
  std::int64_t v = 0;
  try {
    v = std::stoll(it->second, &used);
  } catch (...) {
    used = 0;
  }
  if (used == 0 || used != it->second.size() || v < min)
    throw usage_error("invalid topic config", info.name,
                      fmt::format("{}={} is not an integer >= {}", key, it->second, min));
  return v;
}

double config_ratio(const TopicInfo& info, const std::string& key, double fallback) {
  auto it = info.config.find(key);
  if (it == info.config.end()) return fallback;
  std::size_t used = 0;
  double v = -1;
  try {
    v = std::stod(it->second, &used);
  } catch (...) {
    used = 0;
  }
  if (used == 0 || used != it->second.size() || !(v >= 0 && v <= 1))
    throw usage_error("invalid topic config", info.name,
                      fmt::format("{}={} is not a number from 0 to 1", key, it->second));
  return v;
}

// Apache Kafka 4.0's topic configs (TopicConfig, LogConfig). ftgo applies
// cleanup.policy, retention.*, segment.bytes, segment.ms, index.interval.bytes,
// max.message.bytes, min.compaction.lag.ms, max.compaction.lag.ms,
// min.cleanable.dirty.ratio and delete.retention.ms; it keeps and describes the others so tools and
// frameworks that set them work.
constexpr std::string_view k_topic_configs[] = {
    "cleanup.policy", "compression.type", "compression.gzip.level", "compression.lz4.level",
    "compression.zstd.level", "delete.retention.ms", "file.delete.delay.ms", "flush.messages", "flush.ms",
    "follower.replication.throttled.replicas", "index.interval.bytes", "leader.replication.throttled.replicas",
    "local.retention.bytes", "local.retention.ms", "max.compaction.lag.ms", "max.message.bytes",
    "message.timestamp.after.max.ms", "message.timestamp.before.max.ms", "message.timestamp.type",
    "min.cleanable.dirty.ratio", "min.compaction.lag.ms", "min.insync.replicas", "preallocate",
    "remote.log.copy.disable", "remote.log.delete.on.disable", "remote.storage.enable", "retention.bytes",
    "retention.ms", "segment.bytes", "segment.index.bytes", "segment.jitter.ms", "segment.ms",
    "unclean.leader.election.enable"};

// A value from `allowed` (for a list config: every item of it), as Kafka's ValidString/ValidList.
void check_choice(const TopicInfo& info, const std::string& key, std::initializer_list<std::string_view> allowed,
                  bool list) {
  auto it = info.config.find(key);
  if (it == info.config.end()) return;
  std::vector<std::string> items = list ? split_config_list(it->second) : std::vector<std::string>{it->second};
  if (list)
    for (auto& v : items) std::erase(v, ' ');
  for (const auto& v : items) {
    if (std::find(allowed.begin(), allowed.end(), v) == allowed.end())
      throw usage_error("invalid topic config", info.name,
                        fmt::format("{}={}: '{}' is not one of {}", key, it->second, v, fmt::join(allowed, ", ")));
  }
}

// A config a client asks for (create, alter): Kafka's names only, and Kafka's
// choices for the enumerated ones. Not applied to topics already on disk.
void check_topic_config(const TopicInfo& info) {
  for (const auto& [key, value] : info.config) {
    if (std::find(std::begin(k_topic_configs), std::end(k_topic_configs), key) == std::end(k_topic_configs))
      throw usage_error("invalid topic config", info.name, fmt::format("unknown topic config name: {}", key));
  }
  check_choice(info, "cleanup.policy", {"delete", "compact"}, true);
  check_choice(info, "compression.type", {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}, false);
  check_choice(info, "message.timestamp.type", {"CreateTime", "LogAppendTime"}, false);
  check_choice(info, "preallocate", {"true", "false"}, false);
  check_choice(info, "unclean.leader.election.enable", {"true", "false"}, false);
}

// The topic's LogOptions: the broker's defaults overridden by its config.
LogOptions topic_options(const TopicInfo& info, const LogOptions& defaults) {
  LogOptions o = defaults;
  o.max_message_bytes = config_int(info, "max.message.bytes", o.max_message_bytes, 0);
  o.retention_ms = config_int(info, "retention.ms", o.retention_ms, -1);
  o.retention_bytes = config_int(info, "retention.bytes", o.retention_bytes, -1);
  o.segment_bytes = static_cast<std::uint64_t>(config_int(info, "segment.bytes", static_cast<std::int64_t>(o.segment_bytes), 14));
  o.segment_ms = config_int(info, "segment.ms", o.segment_ms, -1);
  o.index_interval_bytes = static_cast<std::uint32_t>(
      std::min<std::int64_t>(config_int(info, "index.interval.bytes", o.index_interval_bytes, 0), INT32_MAX));
  if (auto it = info.config.find("cleanup.policy"); it != info.config.end()) {
    auto items = split_config_list(it->second);
    for (auto& v : items) std::erase(v, ' ');
    o.cleanup_delete = std::find(items.begin(), items.end(), "delete") != items.end();
    o.cleanup_compact = std::find(items.begin(), items.end(), "compact") != items.end();
  }
  o.min_compaction_lag_ms = config_int(info, "min.compaction.lag.ms", o.min_compaction_lag_ms, 0);
  o.delete_retention_ms = config_int(info, "delete.retention.ms", o.delete_retention_ms, 0);
  o.min_cleanable_dirty_ratio = config_ratio(info, "min.cleanable.dirty.ratio", o.min_cleanable_dirty_ratio);
  o.max_compaction_lag_ms = config_int(info, "max.compaction.lag.ms", o.max_compaction_lag_ms, 1);
  // Kafka's LogConfig.maxSegmentMs: a compacted log's active segment rolls
  // by max.compaction.lag.ms too, so its records become cleanable in time.
  if (o.cleanup_compact && o.max_compaction_lag_ms < INT64_MAX)
    o.segment_ms = o.segment_ms < 0 ? o.max_compaction_lag_ms : std::min(o.segment_ms, o.max_compaction_lag_ms);
  return o;
}

std::string topic_json(const TopicInfo& info) {
  nlohmann::json j;
  j["name"] = info.name;
  j["partitions"] = info.partitions;
  j["config"] = info.config;
  return j.dump(2) + "\n";
}

}  // namespace

void Store::Impl::open_partitions(Topic& t) {
  LogOptions o = topic_options(t.info, defaults);
  fs::path dir = topics_dir() / t.info.name;
  for (int p = 0; p < t.info.partitions; ++p)
    t.partitions.push_back(std::make_unique<PartitionLog>(dir / std::to_string(p), o));
}

void Store::Impl::load_topic(const fs::path& dir) {
  std::string name = dir.filename().string();
  fs::path meta = dir / "topic.json";
  if (!valid_topic_name(name)) return;  // not ours
  if (!fs::exists(meta)) {
    // A create that crashed before its topic.json was renamed into place.
    std::fprintf(stderr, "ftgo broker: removing half-created topic %s\n", dir.c_str());
    fs::remove_all(dir);
    return;
  }
  Topic t;
  try {
    auto j = nlohmann::json::parse(read_file(meta));
    t.info.name = j.at("name").get<std::string>();
    t.info.partitions = j.at("partitions").get<int>();
    t.info.config = j.value("config", std::map<std::string, std::string>{});
  } catch (const nlohmann::json::exception& e) {
    throw failure("cannot load topic", meta.string(), e.what());
  }
  if (t.info.name != name || t.info.partitions < 1)
    throw failure("cannot load topic", meta.string(), "name or partition count does not match its directory");
  open_partitions(t);
  topics.emplace(name, std::move(t));
}

namespace {

// Each partition keeps its active segment's log open (older segments too):
// lift the soft open-file limit to the hard one, as Kafka's docs ask.
void raise_open_file_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 1 << 20);
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

}  // namespace

Store::Store(fs::path data_dir, LogOptions defaults) : m_impl(std::make_unique<Impl>()) {
  Impl& im = *m_impl;
  raise_open_file_limit();
  im.data_dir = std::move(data_dir);
  im.defaults = defaults;
  std::error_code ec;
  for (const auto& d : {im.topics_dir(), im.data_dir / "groups"}) {
    fs::create_directories(d, ec);
    if (ec) throw failure("cannot create data directory", d.string(), ec.message());
  }
  fs::remove_all(im.trash_dir(), ec);  // topics deleted before a crash
  for (const auto& entry : fs::directory_iterator(im.topics_dir()))
    if (entry.is_directory()) im.load_topic(entry.path());
  im.offsets_log = std::make_unique<OffsetsLog>(im.data_dir / "groups" / "offsets.log", defaults.fsync, im.offsets);
}

Store::~Store() = default;

const fs::path& Store::data_dir() const { return m_impl->data_dir; }

std::vector<TopicInfo> Store::topics() const {
  std::vector<TopicInfo> out;
  for (const auto& [name, t] : m_impl->topics) out.push_back(t.info);
  return out;
}

const TopicInfo* Store::topic(const std::string& name) const {
  auto it = m_impl->topics.find(name);
  return it == m_impl->topics.end() ? nullptr : &it->second.info;
}

void Store::create_topic(const TopicInfo& info) {
  Impl& im = *m_impl;
  if (!valid_topic_name(info.name))
    throw usage_error("invalid topic name", info.name, "use 1 to 249 characters of a-z A-Z 0-9 . _ -");
  if (im.topics.count(info.name)) throw usage_error("cannot create topic", info.name, "it already exists");
  if (info.partitions < 1 || info.partitions > 100000)
    throw usage_error("cannot create topic", info.name, fmt::format("{} partitions: use 1 to 100000", info.partitions));
  check_topic_config(info);
  topic_options(info, im.defaults);  // validates the config before anything is written
  fs::path dir = im.topics_dir() / info.name;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) throw failure("cannot create topic directory", dir.string(), ec.message());
  Impl::Topic t;
  t.info = info;
  try {
    im.open_partitions(t);
    write_file_atomic(dir / "topic.json", topic_json(info));
    sync_dir(im.topics_dir());
  } catch (...) {
    t.partitions.clear();
    fs::remove_all(dir, ec);
    throw;
  }
  im.topics.emplace(info.name, std::move(t));
}

void Store::validate_topic_config(const std::string& name, const std::map<std::string, std::string>& config) const {
  TopicInfo info{name, 1, config};
  check_topic_config(info);
  topic_options(info, m_impl->defaults);
}

void Store::alter_topic_config(const std::string& name, const std::map<std::string, std::string>& config) {
  Impl& im = *m_impl;
  auto it = im.topics.find(name);
  if (it == im.topics.end()) throw usage_error("cannot alter topic config", name, "no such topic");
  TopicInfo info = it->second.info;
  info.config = config;
  check_topic_config(info);
  LogOptions o = topic_options(info, im.defaults);  // validates before anything is written
  write_file_atomic(im.topics_dir() / name / "topic.json", topic_json(info));
  it->second.info = std::move(info);
  for (auto& p : it->second.partitions) p->set_options(o);
}

void Store::add_partitions(const std::string& name, int count) {
  Impl& im = *m_impl;
  auto it = im.topics.find(name);
  if (it == im.topics.end()) throw usage_error("cannot add partitions", name, "no such topic");
  Impl::Topic& t = it->second;
  if (count <= t.info.partitions || count > 100000)
    throw usage_error("cannot add partitions", name,
                      fmt::format("{} partitions: use {} to 100000", count, t.info.partitions + 1));
  TopicInfo info = t.info;
  info.partitions = count;
  LogOptions o = topic_options(info, im.defaults);
  fs::path dir = im.topics_dir() / name;
  std::size_t before = t.partitions.size();
  try {
    // A crash before topic.json is replaced leaves empty partition directories
    // that the old count ignores and a later add reuses.
    for (int p = t.info.partitions; p < count; ++p)
      t.partitions.push_back(std::make_unique<PartitionLog>(dir / std::to_string(p), o));
    write_file_atomic(dir / "topic.json", topic_json(info));
  } catch (...) {
    t.partitions.resize(before);
    throw;
  }
  t.info = std::move(info);
}

void Store::delete_topic(const std::string& name) {
  Impl& im = *m_impl;
  auto it = im.topics.find(name);
  if (it == im.topics.end()) throw usage_error("cannot delete topic", name, "no such topic");
  fs::path dir = im.topics_dir() / name;
  std::error_code ec;
  fs::create_directories(im.trash_dir(), ec);
  auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  fs::path trash = im.trash_dir() / fmt::format("{}.{}", stamp, ++im.trash_counter);
  fs::rename(dir, trash, ec);  // the one durable step: gone on reopen from here on
  if (ec) throw failure("cannot delete topic", dir.string(), ec.message());
  it->second.partitions.clear();
  im.topics.erase(it);
  sync_dir(im.topics_dir());
  fs::remove_all(trash, ec);
  bool had_offsets = false;
  for (auto& [group, offsets] : im.offsets)
    had_offsets |= std::erase_if(offsets, [&](const auto& kv) { return kv.first.first == name; }) > 0;
  std::erase_if(im.offsets, [](const auto& kv) { return kv.second.empty(); });
  if (had_offsets) im.offsets_log->delete_topic(name);
}

PartitionLog* Store::partition(const std::string& topic, int partition) {
  auto it = m_impl->topics.find(topic);
  if (it == m_impl->topics.end() || partition < 0 || partition >= static_cast<int>(it->second.partitions.size()))
    return nullptr;
  return it->second.partitions[static_cast<std::size_t>(partition)].get();
}

void Store::commit_offset(const std::string& group, const std::string& topic, int partition,
                          const CommittedOffset& offset) {
  if (group.size() > 0xFFFF || topic.size() > 0xFFFF)
    throw usage_error("cannot commit offset", group, "group or topic name longer than 65535 bytes");
  m_impl->offsets_log->commit(group, topic, partition, offset);
  m_impl->offsets[group][{topic, partition}] = offset;
}

std::optional<CommittedOffset> Store::committed_offset(const std::string& group, const std::string& topic,
                                                       int partition) const {
  auto g = m_impl->offsets.find(group);
  if (g == m_impl->offsets.end()) return std::nullopt;
  auto it = g->second.find({topic, partition});
  if (it == g->second.end()) return std::nullopt;
  return it->second;
}

std::map<std::pair<std::string, int>, CommittedOffset> Store::committed_offsets(const std::string& group) const {
  auto g = m_impl->offsets.find(group);
  return g == m_impl->offsets.end() ? GroupOffsets{} : g->second;
}

std::vector<std::string> Store::groups_with_offsets() const {
  std::vector<std::string> out;
  for (const auto& [group, offsets] : m_impl->offsets) out.push_back(group);
  return out;
}

void Store::delete_group_offsets(const std::string& group) {
  if (!m_impl->offsets.count(group)) return;
  m_impl->offsets_log->delete_group(group);
  m_impl->offsets.erase(group);
}

void Store::delete_offset(const std::string& group, const std::string& topic, int partition) {
  auto g = m_impl->offsets.find(group);
  if (g == m_impl->offsets.end() || !g->second.count({topic, partition})) return;
  m_impl->offsets_log->delete_offset(group, topic, partition);
  g->second.erase({topic, partition});
  if (g->second.empty()) m_impl->offsets.erase(g);
}

void Store::flush_all() {
  for (auto& [name, t] : m_impl->topics)
    for (auto& p : t.partitions) p->flush();
  m_impl->offsets_log->sync();
}

void Store::collect_sync(std::vector<File>& out) {
  for (auto& [name, t] : m_impl->topics)
    for (auto& p : t.partitions) p->collect_sync(out);
  m_impl->offsets_log->collect_sync(out);
}

void Store::enforce_retention(std::int64_t now_ms) {
  for (auto& [name, t] : m_impl->topics)
    for (auto& p : t.partitions) p->enforce_retention(now_ms);
}

namespace {

void log_clean(const std::string& topic, std::size_t p, const CleanStats& st) {
  if (st.segments_rewritten + st.segments_removed > 0)
    fmt::print(stderr, "ftgo broker: cleaned {}-{}: {} records removed, {} segments rewritten, {} removed, {} -> {} bytes\n",
               topic, p, st.records_removed, st.segments_rewritten, st.segments_removed, st.bytes_before,
               st.bytes_after);
}

}  // namespace

void Store::clean_logs(std::int64_t now_ms) {
  for (auto& [name, t] : m_impl->topics) {
    for (std::size_t p = 0; p < t.partitions.size(); ++p) {
      try {
        log_clean(name, p, t.partitions[p]->clean(now_ms));
      } catch (const std::exception& e) {
        fmt::print(stderr, "ftgo broker: cleaning {}-{}: {}\n", name, p, e.what());
      }
    }
  }
}

std::shared_ptr<CleanJob> Store::plan_clean(std::int64_t now_ms, const TxnsOf& txns) {
  Impl& im = *m_impl;
  for (auto it = im.topics.lower_bound(im.clean_cursor.first); it != im.topics.end(); ++it) {
    int p = it->first == im.clean_cursor.first ? im.clean_cursor.second : 0;
    for (; p < static_cast<int>(it->second.partitions.size()); ++p) {
      im.clean_cursor = {it->first, p + 1};
      try {
        PartitionLog& log = *it->second.partitions[static_cast<std::size_t>(p)];
        if (!log.options().cleanup_compact) continue;
        std::optional<CleanTxns> t = txns ? txns(it->first, p) : std::nullopt;
        if (auto job = log.plan_clean(now_ms, t ? &*t : nullptr)) {
          job->topic = it->first;
          job->partition = p;
          return job;
        }
      } catch (const std::exception& e) {
        fmt::print(stderr, "ftgo broker: cleaning {}-{}: {}\n", it->first, p, e.what());
      }
    }
  }
  im.clean_cursor = {"", 0};
  return nullptr;
}

CleanStats Store::finish_clean(CleanJob& job) {
  if (job.detached) return {};
  PartitionLog* log = partition(job.topic, job.partition);
  if (!log) return {};
  try {
    CleanStats st = log->finish_clean(job);
    log_clean(job.topic, static_cast<std::size_t>(job.partition), st);
    return st;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ftgo broker: cleaning {}-{}: {}\n", job.topic, job.partition, e.what());
    return {};
  }
}

}  // namespace ftgo::broker::storage
