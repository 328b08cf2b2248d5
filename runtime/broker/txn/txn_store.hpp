#pragma once
// The transaction coordinator's state on disk: one JSON file
// (<data>/transactions/state.json, grammar in storage/FORMAT.md), rewritten
// atomically after every change. Free functions; no state of their own.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "broker/txn/txn_coordinator.hpp"

namespace ftgo::broker::txn {

struct SavedTxnState {
  std::vector<Transaction> transactions;
  std::map<TopicPartition, PartitionTxns> partitions;
};

// An absent file is an empty state; a file that does not parse throws
// ftgo::Error naming it.
SavedTxnState load_txn_state(const std::filesystem::path& file);
// Throws ftgo::Error when the file cannot be written (the old one stays).
void save_txn_state(const std::filesystem::path& file, const std::map<std::string, Transaction>& transactions,
                    const std::map<TopicPartition, PartitionTxns>& partitions);

}  // namespace ftgo::broker::txn
