// The io thread's side of the log cleaner: PartitionLog::plan_clean and
// finish_clean (clean_job.hpp has the thread's side and a worked example),
// and the crash recovery of the swaps (FORMAT.md, "Compaction").
#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <csignal>
#include <cstdio>
#include <string>

#include "broker/record_batch.hpp"
#include "broker/storage/clean_job.hpp"
#include "broker/storage/log_cleaner.hpp"
#include "broker/storage/partition_log_impl.hpp"
#include "util/error.hpp"

namespace ftgo::broker::storage {
namespace {

std::string base_name(std::int64_t base) { return fmt::format("{:020d}", base); }

void rename_file(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  report_dir_op("rename", to);
  fs::rename(from, to, ec);
  if (ec) throw failure("cannot rename", from.string(), ec.message());
}

// Replaces the checkpoint file by a rename, without an fsync (the io thread
// does not wait for the disk): a crash may leave the old checkpoint, or an
// unreadable one (then the log start is used): either way a later pass only
// cleans again what is clean already.
void write_checkpoint(const fs::path& dir, std::int64_t checkpoint) {
  const fs::path path = dir / k_cleaner_checkpoint_file;
  fs::path tmp = path;
  tmp += ".tmp";
  {
    File f = File::open_rw(tmp);
    f.truncate(0);
    std::string text = std::to_string(checkpoint) + "\n";
    f.pwrite_all(text.data(), text.size(), 0);
  }
  rename_file(tmp, path);
}

// The next offset after the last whole batch of the segment file `path`.
std::int64_t file_end_offset(const fs::path& path, std::int64_t base) {
  File f = File::open_rw(path);
  const std::uint64_t size = f.size();
  std::int64_t end = base;
  std::uint8_t head[k_batch_header_size];
  for (std::uint64_t pos = 0; pos + sizeof head <= size;) {
    BatchHeader h;
    if (f.pread_some(head, sizeof head, pos) != sizeof head || decode_batch_header(head, h) != BatchError::none ||
        pos + h.total_size() > size)
      break;
    end = h.last_offset() + 1;
    pos += h.total_size();
  }
  return end;
}

void unlink_file(const fs::path& path) {
  std::error_code ec;
  report_dir_op("unlink", path);
  fs::remove(path, ec);
}

// A committed swap of base B that merged segments: the segments after B
// that its records cover (bases in (B, its end)) are the merged ones, maybe
// still there. Their files go. Returns how many.
std::size_t remove_merged(const fs::path& dir, std::int64_t base, const fs::path& swap) {
  const std::int64_t end = file_end_offset(swap, base);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name.size() != 24 || !name.ends_with(".log")) continue;
    std::int64_t b = 0;
    try {
      b = std::stoll(name.substr(0, 20));
    } catch (...) {
      continue;
    }
    if (b > base && b < end) names.push_back(name.substr(0, 20));
  }
  for (const std::string& name : names) {
    for (const char* ext : {".log", ".index", ".timeindex"}) unlink_file(dir / (name + ext));
    std::fprintf(stderr, "ftgo broker: removed %s.log, merged by the cleaner into %020lld\n",
                 (dir / name).c_str(), static_cast<long long>(base));
  }
  return names.size();
}

}  // namespace

int recover_cleaner_swaps(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir / "cleaning", ec);  // uncommitted work
  std::vector<fs::path> logs, indexes;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name.ends_with(".log.swap")) logs.push_back(e.path());
    else if (name.ends_with(".index.swap") || name.ends_with(".timeindex.swap")) indexes.push_back(e.path());
  }
  for (const fs::path& swap : logs) {
    // Committed: the segments merged into it go (durably, before the rename
    // that hides that they were merged), then the indexes, then the log,
    // over the old files. An index whose .swap is missing is removed: the
    // rename staging it may not have reached the disk before the commit's
    // (or it was renamed already), and the old one may not fit the new log.
    // Segment rebuilds a missing index from the log.
    std::string base = swap.filename().string().substr(0, 20);
    if (remove_merged(dir, std::stoll(base), swap) > 0) sync_dir(dir);
    for (const char* ext : {".index", ".timeindex"}) {
      fs::path idx = dir / (base + ext + ".swap");
      if (fs::exists(idx)) rename_file(idx, dir / (base + ext));
      else unlink_file(dir / (base + ext));
    }
    rename_file(swap, dir / (base + ".log"));
    std::fprintf(stderr, "ftgo broker: completed the cleaner's swap of %s\n", (dir / (base + ".log")).c_str());
  }
  // Staged before a swap that never committed — or the swap's last rename
  // reached the disk before its index renames did: the current indexes go
  // too, rebuilt on open, so a new log never keeps an old index.
  for (const fs::path& idx : indexes) {
    if (!fs::exists(idx)) continue;
    std::string name = idx.filename().string();
    unlink_file(idx);
    unlink_file(dir / name.substr(0, name.size() - 5));
  }
  if (!logs.empty() || !indexes.empty()) sync_dir(dir);
  return static_cast<int>(logs.size());
}


void PartitionLog::Impl::detach_job() {
  if (!job) return;
  job->cancelled = true;
  job->detached = true;
  job.reset();
}

std::int64_t PartitionLog::cleaner_checkpoint() const { return m_impl->cleaner_checkpoint; }

std::shared_ptr<CleanJob> PartitionLog::plan_clean(std::int64_t now_ms, const CleanTxns* txns) {
  Impl& im = *m_impl;
  if (im.job || !im.options.cleanup_compact || im.segments.size() < 2) return nullptr;
  // Closed segments, up to the first holding a record younger than
  // min.compaction.lag.ms or at the last stable offset.
  std::vector<Segment*> cleanable;
  std::int64_t end = im.active().base_offset();
  const std::int64_t lso = txns ? txns->last_stable_offset : INT64_MAX;
  for (auto it = im.segments.begin(); std::next(it) != im.segments.end(); ++it) {
    if ((im.options.min_compaction_lag_ms > 0 && it->second->max_timestamp() > now_ms - im.options.min_compaction_lag_ms) ||
        it->second->next_offset() > lso) {
      end = it->first;
      break;
    }
    cleanable.push_back(it->second.get());
  }
  if (cleanable.empty()) return nullptr;
  const std::int64_t checkpoint = std::clamp(im.cleaner_checkpoint, cleanable.front()->base_offset(), end);
  std::uint64_t dirty_bytes = 0, total_bytes = 0;
  std::int64_t first_dirty_ts = INT64_MAX;  // the earliest first-batch timestamp of a dirty segment
  for (Segment* s : cleanable) {
    total_bytes += s->size();
    if (s->next_offset() <= checkpoint || s->size() == 0) continue;
    dirty_bytes += s->size();
    if (im.options.max_compaction_lag_ms > 0 && im.options.max_compaction_lag_ms < INT64_MAX)
      s->scan_headers(0, [&](const BatchHeader& h, std::uint64_t) {
        if (h.max_timestamp > 0) first_dirty_ts = std::min(first_dirty_ts, h.max_timestamp);
        return false;
      });
  }
  const double ratio = total_bytes ? static_cast<double>(dirty_bytes) / static_cast<double>(total_bytes) : 0;
  // max.compaction.lag.ms (Kafka's LogCleanerManager.maxCompactionDelay):
  // a dirty record older than it is cleaned whatever the dirty ratio.
  const bool lag_due = first_dirty_ts != INT64_MAX && first_dirty_ts < now_ms - im.options.max_compaction_lag_ms;
  const bool dirty_due = dirty_bytes > 0 && (ratio >= im.options.min_cleanable_dirty_ratio || lag_due);
  bool horizon_unknown = false;
  if (!dirty_due) {
    if (!im.next_horizon) horizon_unknown = true;  // the thread finds out
    else if (*im.next_horizon > now_ms) return nullptr;
  }
  auto job = std::make_shared<CleanJob>();
  job->dir = im.dir;
  job->work = im.dir / "cleaning";
  job->options = im.options;
  job->now_ms = now_ms;
  job->checkpoint = checkpoint;
  job->end = end;
  job->horizon_unknown = horizon_unknown;
  if (txns) job->aborted = txns->aborted;
  for (Segment* s : cleanable)
    job->segments.push_back({s->base_offset(), s->next_offset(), s->size(), s->file_id()});
  std::error_code ec;
  fs::remove_all(job->work, ec);
  // Not create_directories: the partition's directory must exist (a deleted
  // topic's must not come back).
  fs::create_directory(job->work, ec);
  if (ec) throw failure("cannot create", job->work.string(), ec.message());
  im.job = job;
  return job;
}

CleanStats PartitionLog::finish_clean(CleanJob& job, CleanStep stop_after) {
  Impl& im = *m_impl;
  if (im.job.get() == &job) im.job.reset();
  CleanStats stats;
  std::error_code ec;
  if (job.detached) return stats;
  if (job.cancelled || !job.error.empty()) {
    fs::remove_all(job.work, ec);
    if (!job.cancelled) throw failure("cannot clean", im.dir.string(), job.error);
    return stats;
  }
  if (!job.ran) {
    im.next_horizon = job.clean_horizon;
    fs::remove_all(job.work, ec);
    return stats;
  }
  stats.ran = true;
  stats.clean_end = job.clean_end;
  stats.keys_mapped = job.keys_mapped;
  auto present = [&](std::int64_t base, std::uint64_t size) {
    auto it = im.segments.find(base);
    return it != im.segments.end() && it->second->size() == size;
  };
  // A segment removed or replaced goes to the job, its descriptor open
  // (clean_job.hpp: closed on the cleaner thread).
  auto retire = [&](std::int64_t base) {
    auto it = im.segments.find(base);
    job.retired.push_back(std::move(it->second));
    return it;
  };
  auto drop = [&](std::int64_t base) {
    auto it = retire(base);
    job.retired.back()->unlink();
    im.segments.erase(it);
  };
  // Outputs whose segments are all still in the log (retention or
  // DeleteRecords may have removed some meanwhile: then it is not swapped in).
  std::vector<std::string> swaps;
  std::vector<std::int64_t> merged;  // segments folded into a swapped-in one
  // Where the checkpoint moves: below an output left out whose other
  // segments are still there (DeleteRecords removed the group's first one
  // only): they were not cleaned, so the next pass maps them again.
  std::int64_t checkpoint = job.clean_end;
  for (const CleanOutput& o : job.outputs) {
    if (o.abandoned || !present(o.base, o.size_before) ||
        !std::all_of(o.merged.begin(), o.merged.end(), [&](const auto& m) { return present(m.first, m.second); })) {
      if (im.segments.count(o.base)) checkpoint = std::min(checkpoint, o.base);
      for (const auto& m : o.merged)
        if (im.segments.count(m.first)) checkpoint = std::min(checkpoint, m.first);
      continue;
    }
    stats.records_removed += o.records_removed;
    stats.bytes_before += o.size_before;
    for (const auto& m : o.merged) stats.bytes_before += m.second;
    stats.bytes_after += o.size_after;
    if (o.empty) {
      // Nothing left: the segments go now (every record of theirs is
      // superseded by one kept after them), but the first one, which holds
      // the log start: an empty file is swapped in for it.
      for (const auto& m : o.merged) drop(m.first);
      stats.segments_removed += o.merged.size();
      if (o.base != im.segments.begin()->first) {
        drop(o.base);
        ++stats.segments_removed;
      } else {
        swaps.push_back(base_name(o.base));
      }
      continue;
    }
    swaps.push_back(base_name(o.base));
    for (const auto& m : o.merged) merged.push_back(m.first);
  }
  // Where a crash test stops the pass: here (unit tests), or by killing the process.
  auto stop_at = [&](CleanStep step) {
    if (im.options.cleaner_crash_after == step) {
      std::fprintf(stderr, "ftgo broker: --log-cleaner-crash-after: killing the broker in the swap of %s\n",
                   im.dir.c_str());
      std::raise(SIGKILL);
    }
    return stop_after == step;
  };
  if (stop_at(CleanStep::written)) return stats;
  const fs::path& work = job.work;
  for (const std::string& name : swaps) {
    rename_file(work / (name + ".index"), im.dir / (name + ".index.swap"));
    rename_file(work / (name + ".timeindex"), im.dir / (name + ".timeindex.swap"));
  }
  if (stop_at(CleanStep::indexes_staged)) return stats;
  for (const std::string& name : swaps) rename_file(work / (name + ".log"), im.dir / (name + ".log.swap"));
  if (!swaps.empty()) sync_dir(im.dir);  // the commit point: recovery completes the swaps from here on
  if (stop_at(CleanStep::committed)) return stats;
  for (std::int64_t base : merged) drop(base);  // recovery removes them too (recover_cleaner_swaps)
  stats.segments_removed += merged.size();
  // Durable before the renames of step 5, which hide from recovery which
  // segments the swaps merged (FORMAT.md, step 3c).
  if (!merged.empty()) sync_dir(im.dir);
  if (stop_at(CleanStep::merged_removed)) return stats;
  for (const std::string& name : swaps) {
    rename_file(im.dir / (name + ".index.swap"), im.dir / (name + ".index"));
    rename_file(im.dir / (name + ".timeindex.swap"), im.dir / (name + ".timeindex"));
  }
  if (stop_at(CleanStep::indexes_swapped)) return stats;
  for (const std::string& name : swaps) {
    rename_file(im.dir / (name + ".log.swap"), im.dir / (name + ".log"));
    std::int64_t base = std::stoll(name);
    auto fresh = std::make_unique<Segment>(im.dir, base, im.options.index_interval_bytes);
    retire(base)->second = std::move(fresh);
    ++stats.segments_rewritten;
  }
  fs::remove_all(work, ec);
  // Not fsync'd (the renames of step 5 neither): recovery completes a swap
  // whose .swap files a crash left, and an old checkpoint costs a pass.
  write_checkpoint(im.dir, checkpoint);
  im.cleaner_checkpoint = checkpoint;
  im.next_horizon = job.next_horizon;
  return stats;
}

CleanStats PartitionLog::clean(std::int64_t now_ms, CleanStep stop_after, const CleanTxns* txns) {
  std::shared_ptr<CleanJob> job = plan_clean(now_ms, txns);
  if (!job) return {};
  run_clean_job(*job);
  return finish_clean(*job, stop_after);
}

}  // namespace ftgo::broker::storage
