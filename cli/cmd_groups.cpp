// `ftgo groups [list|describe]`.
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "events/admin.hpp"

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

}  // namespace

void setup_groups(CLI::App& app, Globals& g) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("groups", "List and describe consumer groups");
  cmd->require_subcommand(0, 1);
  cmd->callback([cmd, &g] {
    if (cmd->get_subcommands().empty()) run_list(g);
  });
  cmd->add_subcommand("list", "Consumer groups and their states")->callback([&g] { run_list(g); });
  auto* describe = cmd->add_subcommand("describe", "State, members, assignments, committed offsets and lag");
  describe->add_option("groups", *names, "Group names")->required();
  describe->callback([names, &g] { run_describe(*names, g); });
}

}  // namespace ftgo::cli
