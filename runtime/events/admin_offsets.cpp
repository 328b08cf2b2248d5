// `ftgo groups reset-offsets`: plans a group's new committed offsets from
// the partitions' stored ranges (and, for a time, the broker's time index),
// then commits them with the admin API as kafka-consumer-groups does.
#include <algorithm>
#include <charconv>
#include <memory>

#include "events/admin.hpp"
#include "events/admin_call.hpp"
#include "events/topic_name.hpp"
#include "util/error.hpp"

namespace ftgo::events {

namespace {

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

std::string where(const std::string& topic, int32_t partition) {
  return topic + "[" + std::to_string(partition) + "]";
}

// The first offset at or after each partition's `time` (the end when none is).
void resolve_times(const Brokers& brokers, std::vector<OffsetReset>& plan, int64_t time_ms,
                   const std::map<std::string, TopicInfo>& topics) {
  auto rk = detail::make_client(brokers, RD_KAFKA_PRODUCER);
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(plan.size())));
  for (const auto& r : plan) rd_kafka_topic_partition_list_add(list.get(), r.topic.c_str(), r.partition)->offset = time_ms;
  rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk.get(), list.get(), detail::k_connect_timeout_ms * 2);
  if (err) throw failure("cannot look up offsets by time", brokers.bootstrap, detail::error_text(err));
  for (auto& r : plan) {
    const rd_kafka_topic_partition_t* tp = rd_kafka_topic_partition_list_find(list.get(), r.topic.c_str(), r.partition);
    if (!tp || tp->err) {
      throw failure("cannot look up offsets by time", where(r.topic, r.partition),
                    detail::error_text(tp ? tp->err : RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION));
    }
    r.target = tp->offset >= 0 ? tp->offset : topics.at(r.topic).partitions.at(static_cast<size_t>(r.partition)).high;
  }
}

}  // namespace

TopicSelection parse_topic_selection(const std::string& text) {
  auto colon = text.find(':');
  TopicSelection sel{text.substr(0, colon), {}};
  check_topic_name(sel.topic);
  if (colon == std::string::npos) return sel;
  std::string_view rest = std::string_view(text).substr(colon + 1);
  while (true) {
    auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    int32_t p = -1;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), p);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || p < 0) {
      throw usage_error("invalid --topic", text,
                        "\"" + std::string(item) + "\" is not a partition number (use TOPIC or TOPIC:P[,P...])");
    }
    sel.partitions.push_back(p);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return sel;
}

std::vector<OffsetReset> plan_offset_reset(const Brokers& brokers, const std::string& group,
                                           const std::vector<TopicSelection>& selection, const OffsetTarget& target) {
  // A group nobody has used yet may get its first offsets, for topics named.
  GroupInfo info = describe_group(brokers, group, /*must_exist=*/selection.empty());
  if (!info.members.empty()) {
    throw failure("cannot reset offsets", "group " + group,
                  "it is " + info.state + " with " + std::to_string(info.members.size()) +
                      (info.members.size() == 1 ? " member" : " members") +
                      ": offsets can only be reset while no consumer is in the group (stop them first, e.g. "
                      "ftgo stop SERVICE)");
  }
  std::vector<TopicSelection> wanted = selection;
  if (wanted.empty()) {
    for (const auto& o : info.offsets) {
      if (wanted.empty() || wanted.back().topic != o.topic) wanted.push_back({o.topic, {}});
    }
  }

  std::map<std::string, TopicInfo> topics;
  std::vector<OffsetReset> plan;
  for (const auto& sel : wanted) {
    if (!topics.count(sel.topic)) topics.emplace(sel.topic, describe_topic(brokers, sel.topic));
    const TopicInfo& t = topics.at(sel.topic);
    std::vector<int32_t> parts = sel.partitions;
    if (parts.empty()) {
      for (const auto& p : t.partitions) parts.push_back(p.id);
    }
    for (int32_t p : parts) {
      if (p >= t.partition_count) {
        throw usage_error("unknown partition", where(sel.topic, p),
                          "topic " + sel.topic + " has " + std::to_string(t.partition_count) +
                              (t.partition_count == 1 ? " partition" : " partitions"));
      }
      if (std::any_of(plan.begin(), plan.end(), [&](const auto& r) { return r.topic == sel.topic && r.partition == p; }))
        continue;
      OffsetReset r{sel.topic, p, -1, 0};
      for (const auto& o : info.offsets) {
        if (o.topic == sel.topic && o.partition == p) r.current = o.committed;
      }
      plan.push_back(r);
    }
  }

  using Kind = StartPosition::Kind;
  if (!target.shift && target.to.kind == Kind::time) resolve_times(brokers, plan, target.to.value, topics);
  for (auto& r : plan) {
    const PartitionInfo& range = topics.at(r.topic).partitions.at(static_cast<size_t>(r.partition));
    if (target.shift) {
      if (r.current < 0) {
        throw failure("cannot shift offsets", where(r.topic, r.partition),
                      "group " + group + " has no committed offset there to shift from (use --to)");
      }
      r.target = r.current + target.by;
    } else {
      switch (target.to.kind) {
        case Kind::beginning: r.target = range.low; break;
        case Kind::end: r.target = range.high; break;
        case Kind::offset: r.target = target.to.value; break;
        case Kind::last: r.target = range.high - target.to.value; break;
        case Kind::time: break;  // resolved above
      }
    }
    r.target = std::clamp(r.target, range.low, range.high);
  }
  std::sort(plan.begin(), plan.end(),
            [](const auto& a, const auto& b) { return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition); });
  return plan;
}

void commit_offsets(const Brokers& brokers, const std::string& group, const std::vector<OffsetReset>& offsets) {
  if (offsets.empty()) return;
  detail::AdminCall call(brokers, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS);
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& r : offsets) rd_kafka_topic_partition_list_add(list.get(), r.topic.c_str(), r.partition)->offset = r.target;
  rd_kafka_AlterConsumerGroupOffsets_t* req = rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get());
  rd_kafka_AlterConsumerGroupOffsets(call.client(), &req, 1, call.options(), call.queue());
  rd_kafka_AlterConsumerGroupOffsets_destroy(req);
  auto ev = call.wait("commit offsets of group " + group);
  size_t n = 0;
  auto groups =
      rd_kafka_AlterConsumerGroupOffsets_result_groups(rd_kafka_event_AlterConsumerGroupOffsets_result(ev.get()), &n);
  for (size_t i = 0; i < n; ++i) {
    if (const rd_kafka_error_t* err = rd_kafka_group_result_error(groups[i])) {
      throw failure("cannot commit offsets", "group " + group, rd_kafka_error_string(err));
    }
    const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(groups[i]);
    for (int p = 0; parts && p < parts->cnt; ++p) {
      const auto& tp = parts->elems[p];
      if (tp.err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID || tp.err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS) {
        throw failure("cannot commit offsets", "group " + group,
                      "a consumer joined it meanwhile: offsets can only be reset while no consumer is in the group");
      }
      if (tp.err) {
        throw failure("cannot commit offsets", "group " + group + ", " + where(tp.topic, tp.partition),
                      detail::error_text(tp.err));
      }
    }
  }
}

}  // namespace ftgo::events
