#pragma once
// OffsetsLog: the consumer groups' committed offsets, kept in an append-only
// file of length + CRC-32C framed records (FORMAT.md), replayed on open. A
// torn or corrupt record ends the replay; the file is then rewritten (also
// when it has grown well past its live content). Owned by the Store; not
// thread-safe.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "broker/storage/file.hpp"
#include "broker/storage/partition_log.hpp"
#include "broker/storage/store.hpp"

namespace ftgo::broker::storage {

using GroupOffsets = std::map<std::pair<std::string, int>, CommittedOffset>;
using AllOffsets = std::map<std::string, GroupOffsets>;

class OffsetsLog {
 public:
  // Opens (creating) `path` and replays it into `out`.
  OffsetsLog(fs::path path, FsyncPolicy fsync, AllOffsets& out);

  void commit(const std::string& group, const std::string& topic, int partition, const CommittedOffset& offset);
  void delete_group(const std::string& group);
  void delete_offset(const std::string& group, const std::string& topic, int partition);
  void delete_topic(const std::string& topic);
  void sync();
  // A dup of the descriptor when there is unsynced data (counted as synced:
  // the caller syncs it, e.g. on the Flusher).
  void collect_sync(std::vector<File>& out);

  // Rewrites the file with just `live`: temp file, fsync, rename.
  void compact(const AllOffsets& live);

 private:
  void append(const std::string& payload);
  void replay(AllOffsets& out, std::uint64_t& good_bytes, bool& damaged);

  fs::path m_path;
  FsyncPolicy m_fsync;
  File m_file;
  std::uint64_t m_size = 0;
  bool m_dirty = false;
};

}  // namespace ftgo::broker::storage
