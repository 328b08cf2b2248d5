// `ftgo topics [list|create|delete|describe|alter]`.
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "events/admin.hpp"
#include "events/brokers.hpp"
#include "util/error.hpp"

namespace ftgo::cli {

namespace {

struct TopicsFlags {
  bool all = false;
  std::vector<std::string> names;
  int partitions = 1;
  int alter_partitions = 0;  // alter --partitions; 0: unchanged
  int replication_factor = -1;
  std::vector<std::string> configs;  // K=V
  std::vector<std::string> unset;    // alter --delete-config K
  bool if_not_exists = false;
};

std::map<std::string, std::string> parse_configs(const std::vector<std::string>& flags) {
  std::map<std::string, std::string> config;
  for (const auto& c : flags) {
    auto eq = c.find('=');
    if (eq == std::string::npos || eq == 0) throw usage_error("invalid --config", c, "expected KEY=VALUE, e.g. retention.ms=86400000");
    config[c.substr(0, eq)] = c.substr(eq + 1);
  }
  return config;
}

events::Brokers brokers_of(const Globals& g) { return events::resolve_brokers(g.brokers, g.find_workspace_root()); }

void run_list(const TopicsFlags& f, const Globals& g) {
  auto topics = events::list_topics(brokers_of(g), f.all);
  if (g.json) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& t : topics) out.push_back({{"name", t.name}, {"partitions", t.partition_count}});
    std::cout << out.dump() << "\n";
    return;
  }
  for (const auto& t : topics) std::cout << t.name << "  " << t.partition_count << (t.partition_count == 1 ? " partition\n" : " partitions\n");
}

void run_create(const TopicsFlags& f, const Globals& g) {
  std::map<std::string, std::string> config = parse_configs(f.configs);
  std::vector<config::TopicSpec> specs;
  for (const auto& n : f.names) specs.push_back({n, f.partitions, config});
  if (f.if_not_exists && f.replication_factor == -1) {
    events::ensure_topics(brokers_of(g), specs);  // what `ftgo run` does with ftgo.yaml's topics
  } else {
    events::create_topics(brokers_of(g), specs, f.if_not_exists, f.replication_factor);
  }
  if (g.json) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& s : specs) out.push_back({{"name", s.name}, {"partitions", s.partitions}});
    std::cout << out.dump() << "\n";
  } else {
    for (const auto& s : specs) std::cerr << "created topic " << s.name << " (" << s.partitions << (s.partitions == 1 ? " partition)\n" : " partitions)\n");
  }
}

void run_delete(const TopicsFlags& f, const Globals& g) {
  events::delete_topics(brokers_of(g), f.names);
  if (g.json) {
    std::cout << nlohmann::json(f.names).dump() << "\n";
  } else {
    for (const auto& n : f.names) std::cerr << "deleted topic " << n << "\n";
  }
}

void run_describe(const TopicsFlags& f, const Globals& g) {
  auto brokers = brokers_of(g);
  auto out = nlohmann::ordered_json::array();
  for (const auto& name : f.names) {
    auto t = events::describe_topic(brokers, name);
    int64_t total = 0;
    for (const auto& p : t.partitions) total += p.messages();
    if (g.json) {
      auto parts = nlohmann::ordered_json::array();
      for (const auto& p : t.partitions) {
        parts.push_back({{"partition", p.id}, {"leader", p.leader}, {"low", p.low}, {"high", p.high}, {"messages", p.messages()}});
      }
      out.push_back({{"name", t.name}, {"partitions", parts}, {"messages", total}, {"configs", t.configs}});
      continue;
    }
    std::cout << t.name << ": " << t.partition_count << (t.partition_count == 1 ? " partition, " : " partitions, ") << total
              << (total == 1 ? " message\n" : " messages\n");
    std::string configs;
    for (const auto& [k, v] : t.configs) configs += (configs.empty() ? "" : ", ") + k + "=" + v;
    std::cout << "  configs: " << (configs.empty() ? "the broker's defaults" : configs) << "\n";
    std::cout << "  PARTITION  LEADER  LOW  HIGH  MESSAGES\n";
    for (const auto& p : t.partitions) {
      std::cout << "  " << p.id << "  " << p.leader << "  " << p.low << "  " << p.high << "  " << p.messages() << "\n";
    }
  }
  if (g.json) std::cout << (f.names.size() == 1 ? out[0].dump() : out.dump()) << "\n";
}

void run_alter(const TopicsFlags& f, const Globals& g) {
  events::TopicChange change;
  change.set = parse_configs(f.configs);
  change.unset = f.unset;
  change.partitions = f.alter_partitions;
  for (const auto& k : change.unset) {
    if (change.set.count(k)) throw usage_error("invalid --delete-config", k, "it is also given to --config");
  }
  if (change.set.empty() && change.unset.empty() && change.partitions == 0) {
    throw usage_error("nothing to alter", f.names.at(0), "give --config K=V, --delete-config K or --partitions N");
  }
  events::alter_topic(brokers_of(g), f.names.at(0), change);
  if (change.partitions > 0) std::cerr << "topic " << f.names[0] << " now has " << change.partitions << " partitions\n";
  for (const auto& [k, v] : change.set) std::cerr << "set " << k << "=" << v << " on topic " << f.names[0] << "\n";
  for (const auto& k : change.unset) std::cerr << "reset " << k << " to the broker's default on topic " << f.names[0] << "\n";
}

}  // namespace

void setup_topics(CLI::App& app, Globals& g) {
  auto f = std::make_shared<TopicsFlags>();
  auto* cmd = app.add_subcommand("topics", "List, create, delete, describe and alter topics");
  cmd->require_subcommand(0, 1);
  cmd->add_flag("--all", f->all, "list: include internal topics (__consumer_offsets)");
  cmd->callback([cmd, f, &g] {
    if (cmd->get_subcommands().empty()) run_list(*f, g);
  });

  auto* list = cmd->add_subcommand("list", "List topics and their partition counts");
  list->add_flag("--all", f->all, "Include internal topics (__consumer_offsets)");
  list->callback([f, &g] { run_list(*f, g); });

  auto* create = cmd->add_subcommand("create", "Create topics");
  create->add_option("names", f->names, "Topic names")->required();
  create->add_option("--partitions", f->partitions, "Partitions of each topic (default 1)")
      ->check(whole_number(1, INT32_MAX));
  create->add_option("--replication-factor", f->replication_factor, "Replicas (default: the broker's)");
  create->add_option("--config", f->configs, "A topic config KEY=VALUE (repeatable)")->type_name("K=V");
  create->add_flag("--if-not-exists", f->if_not_exists, "An existing topic is not an error");
  create->callback([f, &g] { run_create(*f, g); });

  auto* del = cmd->add_subcommand("delete", "Delete topics");
  del->add_option("names", f->names, "Topic names")->required();
  del->callback([f, &g] { run_delete(*f, g); });

  auto* describe = cmd->add_subcommand("describe", "Partitions, leaders, watermarks, message counts and configs");
  describe->add_option("names", f->names, "Topic names")->required();
  describe->callback([f, &g] { run_describe(*f, g); });

  auto* alter = cmd->add_subcommand("alter", "Change a topic's configs or add partitions");
  alter->add_option("name", f->names, "The topic")->required()->expected(1);
  alter->add_option("--config", f->configs, "Set a topic config KEY=VALUE (repeatable)")->type_name("K=V");
  alter->add_option("--delete-config", f->unset, "Put a topic config back to the broker's default (repeatable)")
      ->type_name("K");
  alter->add_option("--partitions", f->alter_partitions, "Grow the topic to N partitions")->check(whole_number(1, INT32_MAX));
  alter->callback([f, &g] { run_alter(*f, g); });
}

}  // namespace ftgo::cli
