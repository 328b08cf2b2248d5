#pragma once
// GroupStore: the consumer groups' membership, kept across broker restarts
// in DATA/groups/members.json, as Kafka keeps it in __consumer_offsets (its
// GroupMetadata record): for each Stable group its generation, protocol,
// leader and members (ids, instance ids, timeouts, the chosen protocol's
// metadata, assignments); for each Empty group its generation and when it
// became Empty (its offsets' retention runs from then). A member of a
// restored group carries on with its member id and generation (heartbeats,
// commits, SyncGroup), its session timer restarting at load; one that does
// not come back is expired after its session timeout like any other.
// Without this a restart answers every member UNKNOWN_MEMBER_ID: clients
// drop their partitions as lost (Kafka Streams then wipes and restores its
// state stores, and re-processes what it had not committed).
//
// A group in the middle of a rebalance keeps its last saved (Stable) form,
// as in Kafka. The file is rewritten atomically when the saved form of some
// group changed; the Broker calls save() after the group requests and after
// Coordinator::tick(). Not thread-safe: the broker's io thread only.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "broker/groups/coordinator.hpp"

namespace ftgo::broker::groups {

class GroupStore {
 public:
  explicit GroupStore(std::filesystem::path file);

  // The saved groups (none when the file does not exist); throws ftgo::Error
  // naming the file when it cannot be read or parsed.
  std::vector<Group> load();
  // Writes the file when the saved form of a group changed since the last
  // load or save. A write error is logged, not thrown: the broker carries on.
  void save(const Coordinator& coordinator);

 private:
  std::filesystem::path m_file;
  std::map<std::string, std::string> m_saved;  // group id -> its JSON
};

// The saved form of a group, empty when it is neither Stable nor Empty with
// a generation (exposed for the unit tests).
std::string group_json(const Group& g);
// A group back from its saved form; members' sessions start at `now_ms`.
Group group_from_json(const std::string& json, std::int64_t now_ms);

}  // namespace ftgo::broker::groups
