// `ftgo groups [list|describe|reset-offsets|delete]`.
#include <chrono>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "events/admin.hpp"
#include "util/error.hpp"

namespace ftgo::cli {

namespace {

events::Brokers brokers_of(const Globals& g) { return events::resolve_brokers(g.brokers, g.find_workspace_root()); }

void run_list(const Globals& g) {
  auto groups = events::list_groups(brokers_of(g));
  if (g.json) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& gr : groups) out.push_back({{"name", gr.name}, {"state", gr.state}});
    std::cout << out.dump() << "\n";
    return;
  }
  for (const auto& gr : groups) std::cout << gr.name << "  " << gr.state << "\n";
}

nlohmann::ordered_json to_json(const events::GroupInfo& info) {
  auto members = nlohmann::ordered_json::array();
  for (const auto& m : info.members) {
    auto assignment = nlohmann::ordered_json::array();
    for (const auto& [t, p] : m.assignment) assignment.push_back({{"topic", t}, {"partition", p}});
    nlohmann::ordered_json instance = m.instance_id.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(m.instance_id);
    members.push_back({{"id", m.id},
                       {"instance_id", instance},
                       {"client_id", m.client_id},
                       {"host", m.host},
                       {"assignment", assignment}});
  }
  auto offsets = nlohmann::ordered_json::array();
  int64_t total_lag = 0;
  for (const auto& o : info.offsets) {
    offsets.push_back({{"topic", o.topic}, {"partition", o.partition}, {"committed", o.committed}, {"high", o.high},
                       {"lag", o.lag()}});
    if (o.lag() > 0) total_lag += o.lag();
  }
  return {{"name", info.name}, {"state", info.state}, {"assignor", info.assignor}, {"members", members},
          {"offsets", offsets}, {"lag", total_lag}};
}

void run_describe(const std::vector<std::string>& names, const Globals& g) {
  auto brokers = brokers_of(g);
  auto out = nlohmann::ordered_json::array();
  for (const auto& name : names) {
    auto info = events::describe_group(brokers, name);
    if (g.json) {
      out.push_back(to_json(info));
      continue;
    }
    std::cout << info.name << ": " << info.state << ", " << info.members.size()
              << (info.members.size() == 1 ? " member" : " members")
              << (info.assignor.empty() ? "" : ", assignor " + info.assignor) << "\n";
    for (const auto& m : info.members) {
      std::cout << "  member " << m.id;
      if (!m.instance_id.empty()) std::cout << " [instance " << m.instance_id << "]";
      std::cout << " (" << m.client_id << " on " << m.host << "):";
      if (m.assignment.empty()) std::cout << " no partitions";
      for (const auto& [t, p] : m.assignment) std::cout << " " << t << "[" << p << "]";
      std::cout << "\n";
    }
    if (info.offsets.empty()) {
      std::cout << "  no committed offsets\n";
      continue;
    }
    std::cout << "  TOPIC  PARTITION  COMMITTED  HIGH  LAG\n";
    for (const auto& o : info.offsets) {
      std::cout << "  " << o.topic << "  " << o.partition << "  " << o.committed << "  " << o.high << "  "
                << (o.lag() < 0 ? std::string("-") : std::to_string(o.lag())) << "\n";
    }
  }
  if (g.json) std::cout << (names.size() == 1 ? out[0].dump() : out.dump()) << "\n";
}

struct ResetFlags {
  std::string group;
  std::string to;
  std::optional<int64_t> shift_by;
  std::vector<std::string> topics;
  bool dry_run = false;
};

void run_reset(const ResetFlags& f, const Globals& g) {
  if (f.to.empty() == !f.shift_by) {
    throw usage_error("reset-offsets", f.group, "give exactly one of --to POSITION and --shift-by N");
  }
  events::OffsetTarget target;
  if (f.shift_by) {
    target.shift = true;
    target.by = *f.shift_by;
  } else {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
    target.to = events::parse_start_position(f.to, now.count(), "--to");
  }
  std::vector<events::TopicSelection> topics;
  for (const auto& t : f.topics) topics.push_back(events::parse_topic_selection(t));
  auto brokers = brokers_of(g);
  auto plan = events::plan_offset_reset(brokers, f.group, topics, target);
  if (plan.empty()) {
    throw usage_error("nothing to reset", "group " + f.group,
                      "it has no committed offsets: name the topics with --topic TOPIC");
  }
  if (!f.dry_run) events::commit_offsets(brokers, f.group, plan);
  if (g.json) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& r : plan) {
      out.push_back({{"topic", r.topic},
                     {"partition", r.partition},
                     {"from", r.current < 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(r.current)},
                     {"to", r.target}});
    }
    std::cout << out.dump() << "\n";
  } else {
    std::cout << "TOPIC  PARTITION  FROM  TO\n";
    for (const auto& r : plan) {
      std::cout << r.topic << "  " << r.partition << "  " << (r.current < 0 ? std::string("-") : std::to_string(r.current))
                << "  " << r.target << "\n";
    }
  }
  std::cerr << (f.dry_run ? "dry run: would reset " : "reset ") << plan.size()
            << (plan.size() == 1 ? " partition" : " partitions") << " of group " << f.group
            << (f.dry_run ? " (nothing committed)" : "") << "\n";
}

void run_delete(const std::vector<std::string>& names, const Globals& g) {
  events::delete_groups(brokers_of(g), names);
  for (const auto& n : names) std::cerr << "deleted group " << n << "\n";
}

}  // namespace

void setup_groups(CLI::App& app, Globals& g) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("groups", "List, describe, reset the offsets of, and delete consumer groups");
  cmd->require_subcommand(0, 1);
  cmd->callback([cmd, &g] {
    if (cmd->get_subcommands().empty()) run_list(g);
  });
  cmd->add_subcommand("list", "Consumer groups and their states")->callback([&g] { run_list(g); });
  auto* describe = cmd->add_subcommand("describe", "State, members, assignments, committed offsets and lag");
  describe->add_option("groups", *names, "Group names")->required();
  describe->callback([names, &g] { run_describe(*names, g); });

  auto reset = std::make_shared<ResetFlags>();
  auto* rc = cmd->add_subcommand("reset-offsets",
                                 "Move a group's committed offsets (to replay or skip events); the group must have no "
                                 "members");
  rc->add_option("group", reset->group, "The consumer group")->required();
  rc->add_option("--to", reset->to,
                 "Where to: beginning, end, OFFSET, -N (the last N per partition), @TIME (epoch ms, ISO-8601, or "
                 "relative like @-10m)");
  rc->add_option("--shift-by", reset->shift_by, "Move each committed offset by N (negative: back)");
  rc->add_option("--topic", reset->topics,
                 "TOPIC or TOPIC:P[,P...] (repeatable; default: every topic the group has committed offsets for)");
  rc->add_flag("--dry-run", reset->dry_run, "Show the new offsets without committing them");
  rc->callback([reset, &g] { run_reset(*reset, g); });

  auto deleted = std::make_shared<std::vector<std::string>>();
  auto* dc = cmd->add_subcommand("delete", "Delete consumer groups that have no members, with their offsets");
  dc->add_option("groups", *deleted, "Group names")->required();
  dc->callback([deleted, &g] { run_delete(*deleted, g); });
}

}  // namespace ftgo::cli
