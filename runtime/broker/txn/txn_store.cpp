#include "broker/txn/txn_store.hpp"

#include <nlohmann/json.hpp>

#include "broker/storage/file.hpp"
#include "util/error.hpp"

namespace ftgo::broker::txn {

namespace {
using nlohmann::json;

json transaction_json(const Transaction& t) {
  json j;
  j["id"] = t.id;
  j["producer_id"] = t.producer_id;
  j["epoch"] = t.epoch;
  j["timeout_ms"] = t.timeout_ms;
  j["state"] = to_string(t.status);
  j["started_ms"] = t.started_ms;
  json parts = json::array();
  for (const auto& tp : t.partitions) parts.push_back({tp.topic, tp.partition});
  j["partitions"] = std::move(parts);
  j["groups"] = t.groups;
  json offsets = json::array();
  for (const auto& [group, by_tp] : t.offsets)
    for (const auto& [tp, o] : by_tp)
      offsets.push_back({{"group", group}, {"topic", tp.topic}, {"partition", tp.partition}, {"offset", o.offset},
                         {"leader_epoch", o.leader_epoch}, {"metadata", o.metadata}});
  j["offsets"] = std::move(offsets);
  return j;
}

Transaction transaction_from(const json& j) {
  Transaction t;
  t.id = j.at("id").get<std::string>();
  t.producer_id = j.at("producer_id").get<std::int64_t>();
  t.epoch = j.at("epoch").get<std::int16_t>();
  t.timeout_ms = j.at("timeout_ms").get<std::int32_t>();
  std::string state = j.at("state").get<std::string>();
  auto status = txn_status_from(state);
  if (!status) throw std::invalid_argument("unknown transaction state " + state);
  t.status = *status;
  t.started_ms = j.at("started_ms").get<std::int64_t>();
  for (const auto& p : j.at("partitions"))
    t.partitions.insert({p.at(0).get<std::string>(), p.at(1).get<std::int32_t>()});
  for (const auto& g : j.at("groups")) t.groups.insert(g.get<std::string>());
  for (const auto& o : j.at("offsets")) {
    TopicPartition tp{o.at("topic").get<std::string>(), o.at("partition").get<std::int32_t>()};
    t.offsets[o.at("group").get<std::string>()][tp] = {
        o.at("offset").get<std::int64_t>(), o.at("leader_epoch").get<std::int32_t>(),
        o.at("metadata").get<std::string>()};
  }
  return t;
}
}  // namespace

SavedTxnState load_txn_state(const std::filesystem::path& file) {
  SavedTxnState out;
  if (!std::filesystem::exists(file)) return out;
  try {
    json all = json::parse(storage::read_file(file));
    if (all.at("version").get<int>() != 1) throw std::invalid_argument("unknown version");
    for (const auto& tj : all.at("transactions")) out.transactions.push_back(transaction_from(tj));
    for (const auto& pj : all.at("partitions")) {
      std::map<std::int64_t, std::int64_t> open;
      for (const auto& o : pj.at("open")) open[o.at(0).get<std::int64_t>()] = o.at(1).get<std::int64_t>();
      std::vector<AbortedTxn> aborted;
      for (const auto& a : pj.at("aborted"))
        aborted.push_back({a.at(0).get<std::int64_t>(), a.at(1).get<std::int64_t>(), a.at(2).get<std::int64_t>()});
      TopicPartition tp{pj.at("topic").get<std::string>(), pj.at("partition").get<std::int32_t>()};
      out.partitions[tp].restore(std::move(open), std::move(aborted));
    }
  } catch (const std::exception& e) {
    throw failure("cannot load the transaction state", file.string(), e.what());
  }
  return out;
}

void save_txn_state(const std::filesystem::path& file, const std::map<std::string, Transaction>& transactions,
                    const std::map<TopicPartition, PartitionTxns>& partitions) {
  json all;
  all["version"] = 1;
  all["transactions"] = json::array();
  for (const auto& [id, t] : transactions) all["transactions"].push_back(transaction_json(t));
  all["partitions"] = json::array();
  for (const auto& [tp, p] : partitions) {
    json open = json::array();
    for (const auto& [pid, first] : p.open()) open.push_back({pid, first});
    json aborted = json::array();
    for (const auto& a : p.aborted()) aborted.push_back({a.producer_id, a.first_offset, a.last_offset});
    all["partitions"].push_back(
        {{"topic", tp.topic}, {"partition", tp.partition}, {"open", std::move(open)}, {"aborted", std::move(aborted)}});
  }
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) throw failure("cannot create directory", file.parent_path().string(), ec.message());
  storage::write_file_atomic(file, all.dump() + "\n");
}

}  // namespace ftgo::broker::txn
