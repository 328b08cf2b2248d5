#include <algorithm>

#include "events/admin.hpp"
#include "events/admin_call.hpp"
#include "util/error.hpp"
#include "util/spell.hpp"

namespace ftgo::events {

namespace {

std::string state_name(rd_kafka_consumer_group_state_t s) { return rd_kafka_consumer_group_state_name(s); }

[[noreturn]] void unknown_group(const Brokers& brokers, const std::string& name) {
  std::vector<std::string> names;
  try {
    for (const auto& g : list_groups(brokers)) names.push_back(g.name);
  } catch (const Error&) {
  }
  throw usage_error("unknown group", name, "no such consumer group on " + brokers.bootstrap + util::did_you_mean(name, names));
}

// Asks for the committed offsets of `group`: of `partitions`, or of every
// partition it has committed when null.
std::vector<GroupOffset> fetch_offsets(detail::AdminCall& call, const std::string& group,
                                       const rd_kafka_topic_partition_list_t* partitions) {
  rd_kafka_ListConsumerGroupOffsets_t* req = rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), partitions);
  rd_kafka_ListConsumerGroupOffsets(call.client(), &req, 1, call.options(), call.queue());
  rd_kafka_ListConsumerGroupOffsets_destroy(req);
  auto ev = call.wait("read the offsets of group " + group);
  size_t n = 0;
  auto groups = rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(ev.get()), &n);
  std::vector<GroupOffset> offsets;
  for (size_t i = 0; i < n; ++i) {
    if (const rd_kafka_error_t* err = rd_kafka_group_result_error(groups[i])) {
      throw failure("cannot read committed offsets", group, rd_kafka_error_string(err));
    }
    const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(groups[i]);
    for (int p = 0; parts && p < parts->cnt; ++p) {
      const auto& tp = parts->elems[p];
      if (tp.offset < 0) continue;
      offsets.push_back({tp.topic, tp.partition, tp.offset, -1});
    }
  }
  return offsets;
}

// Committed offsets of `group` with the partitions' high watermarks.
std::vector<GroupOffset> committed_offsets(const Brokers& brokers, const std::string& group) {
  detail::AdminCall call(brokers, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
  std::vector<GroupOffset> offsets = fetch_offsets(call, group, nullptr);
  if (offsets.empty()) {
    // Some brokers answer the "all topics" form with nothing: ask for every
    // partition of every topic instead.
    auto md = detail::all_metadata(call.client(), brokers);
    rd_kafka_topic_partition_list_t* all = rd_kafka_topic_partition_list_new(16);
    for (int t = 0; t < md->topic_cnt; ++t) {
      if (md->topics[t].err || std::string_view(md->topics[t].topic).substr(0, 2) == "__") continue;
      for (int p = 0; p < md->topics[t].partition_cnt; ++p) {
        rd_kafka_topic_partition_list_add(all, md->topics[t].topic, md->topics[t].partitions[p].id);
      }
    }
    if (all->cnt > 0) {
      try {
        offsets = fetch_offsets(call, group, all);
      } catch (...) {
        rd_kafka_topic_partition_list_destroy(all);
        throw;
      }
    }
    rd_kafka_topic_partition_list_destroy(all);
  }
  // High watermarks for the lag.
  for (auto& o : offsets) {
    int64_t low = 0, high = 0;
    if (!rd_kafka_query_watermark_offsets(call.client(), o.topic.c_str(), o.partition, &low, &high,
                                          detail::k_connect_timeout_ms)) {
      o.high = high;
    }
  }
  std::sort(offsets.begin(), offsets.end(), [](const auto& a, const auto& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return offsets;
}

}  // namespace

std::vector<GroupSummary> list_groups(const Brokers& brokers) {
  detail::AdminCall call(brokers, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
  rd_kafka_ListConsumerGroups(call.client(), call.options(), call.queue());
  auto ev = call.wait("list consumer groups");
  const rd_kafka_ListConsumerGroups_result_t* res = rd_kafka_event_ListConsumerGroups_result(ev.get());
  size_t n = 0, nerr = 0;
  auto listings = rd_kafka_ListConsumerGroups_result_valid(res, &n);
  auto errors = rd_kafka_ListConsumerGroups_result_errors(res, &nerr);
  if (nerr > 0 && n == 0) throw failure("cannot list consumer groups", brokers.bootstrap, rd_kafka_error_string(errors[0]));
  std::vector<GroupSummary> groups;
  for (size_t i = 0; i < n; ++i) {
    groups.push_back({rd_kafka_ConsumerGroupListing_group_id(listings[i]),
                      state_name(rd_kafka_ConsumerGroupListing_state(listings[i]))});
  }
  std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return groups;
}

GroupInfo describe_group(const Brokers& brokers, const std::string& name, bool must_exist) {
  GroupInfo info;
  info.name = name;
  {
    detail::AdminCall call(brokers, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);
    const char* names[] = {name.c_str()};
    rd_kafka_DescribeConsumerGroups(call.client(), names, 1, call.options(), call.queue());
    auto ev = call.wait("describe group " + name);
    size_t n = 0;
    auto groups = rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(ev.get()), &n);
    if (n != 1) throw failure("cannot describe group", name, "no answer for the group");
    const rd_kafka_ConsumerGroupDescription_t* g = groups[0];
    if (const rd_kafka_error_t* err = rd_kafka_ConsumerGroupDescription_error(g)) {
      throw failure("cannot describe group", name, rd_kafka_error_string(err));
    }
    info.state = state_name(rd_kafka_ConsumerGroupDescription_state(g));
    if (const char* a = rd_kafka_ConsumerGroupDescription_partition_assignor(g)) info.assignor = a;
    size_t members = rd_kafka_ConsumerGroupDescription_member_count(g);
    for (size_t i = 0; i < members; ++i) {
      const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(g, i);
      const char* instance = rd_kafka_MemberDescription_group_instance_id(m);
      GroupMember member{rd_kafka_MemberDescription_consumer_id(m), rd_kafka_MemberDescription_client_id(m),
                         rd_kafka_MemberDescription_host(m), instance ? instance : "", {}};
      if (const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(m)) {
        const rd_kafka_topic_partition_list_t* parts = rd_kafka_MemberAssignment_partitions(a);
        for (int p = 0; parts && p < parts->cnt; ++p) member.assignment.push_back({parts->elems[p].topic, parts->elems[p].partition});
      }
      std::sort(member.assignment.begin(), member.assignment.end());
      info.members.push_back(std::move(member));
    }
  }
  info.offsets = committed_offsets(brokers, name);
  // Kafka answers "Dead" for a group it has never seen.
  if (must_exist && (info.state == "Dead" || info.state == "Unknown") && info.members.empty() && info.offsets.empty()) {
    unknown_group(brokers, name);
  }
  return info;
}

void delete_groups(const Brokers& brokers, const std::vector<std::string>& names) {
  detail::AdminCall call(brokers, RD_KAFKA_ADMIN_OP_DELETEGROUPS);
  std::vector<rd_kafka_DeleteGroup_t*> requests;
  for (const auto& name : names) requests.push_back(rd_kafka_DeleteGroup_new(name.c_str()));
  rd_kafka_DeleteGroups(call.client(), requests.data(), requests.size(), call.options(), call.queue());
  rd_kafka_DeleteGroup_destroy_array(requests.data(), requests.size());
  auto ev = call.wait("delete groups");
  size_t n = 0;
  auto groups = rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev.get()), &n);
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_error_t* err = rd_kafka_group_result_error(groups[i]);
    if (!err) continue;
    std::string name = rd_kafka_group_result_name(groups[i]);
    switch (rd_kafka_error_code(err)) {
      case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND: unknown_group(brokers, name);
      case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
        throw failure("cannot delete group", name,
                      "it still has members: stop its consumers first (ftgo stop SERVICE)");
      default: throw failure("cannot delete group", name, rd_kafka_error_string(err));
    }
  }
}

}  // namespace ftgo::events
