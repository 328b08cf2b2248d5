#include "broker/storage/offsets_log.hpp"

#include <cstdio>

#include "broker/record_batch.hpp"
#include "util/crc32c.hpp"
#include "util/error.hpp"

namespace ftgo::broker::storage {
namespace {

enum Kind : std::uint8_t { k_commit = 1, k_delete_group = 2, k_delete_topic = 3, k_delete_offset = 4 };
constexpr std::uint64_t k_compact_min_bytes = 1 << 20;

void put_u8(std::string& s, std::uint8_t v) { s.push_back(static_cast<char>(v)); }
void put_be(std::string& s, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_str(std::string& s, const std::string& v, int len_bytes) {
  put_be(s, v.size(), len_bytes);
  s += v;
}

// Reads the fields of one payload; any overrun sets `ok` false.
struct Reader {
  const std::uint8_t* p;
  const std::uint8_t* end;
  bool ok = true;
  std::uint64_t be(int bytes) {
    if (end - p < bytes) {
      ok = false;
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | *p++;
    return v;
  }
  std::string str(int len_bytes) {
    std::uint64_t n = be(len_bytes);
    if (!ok || static_cast<std::uint64_t>(end - p) < n) {
      ok = false;
      return {};
    }
    std::string s(reinterpret_cast<const char*>(p), n);
    p += n;
    return s;
  }
};

std::string commit_payload(const std::string& group, const std::string& topic, int partition,
                           const CommittedOffset& o) {
  std::string s;
  put_u8(s, k_commit);
  put_str(s, group, 2);
  put_str(s, topic, 2);
  put_be(s, static_cast<std::uint32_t>(partition), 4);
  put_be(s, static_cast<std::uint64_t>(o.offset), 8);
  put_be(s, static_cast<std::uint32_t>(o.leader_epoch), 4);
  put_be(s, static_cast<std::uint64_t>(o.commit_time_ms), 8);
  put_str(s, o.metadata, 4);
  // Optional trailing field: a reader that stops after metadata ignores it.
  if (o.expire_time_ms >= 0) put_be(s, static_cast<std::uint64_t>(o.expire_time_ms), 8);
  return s;
}

std::string frame(const std::string& payload) {
  std::string s;
  put_be(s, payload.size(), 4);
  put_be(s, util::crc32c(payload.data(), payload.size()), 4);
  return s + payload;
}

}  // namespace

OffsetsLog::OffsetsLog(fs::path path, FsyncPolicy fsync, AllOffsets& out)
    : m_path(std::move(path)), m_fsync(fsync) {
  m_file = File::open_rw(m_path);
  std::uint64_t good = 0;
  bool damaged = false;
  replay(out, good, damaged);
  std::uint64_t live = 0;
  for (const auto& [group, offsets] : out)
    for (const auto& [tp, o] : offsets) live += 40 + group.size() + tp.first.size() + o.metadata.size();
  if (damaged) {
    std::fprintf(stderr, "ftgo broker: dropped %llu bytes of torn or corrupt records in %s\n",
                 static_cast<unsigned long long>(m_size - good), m_path.c_str());
  }
  if (damaged || (m_size > k_compact_min_bytes && m_size > 4 * live)) compact(out);
}

void OffsetsLog::replay(AllOffsets& out, std::uint64_t& good, bool& damaged) {
  std::string data(m_file.size(), '\0');
  data.resize(m_file.pread_some(data.data(), data.size(), 0));
  m_size = data.size();
  auto base = reinterpret_cast<const std::uint8_t*>(data.data());
  std::uint64_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < 8) break;
    auto len = static_cast<std::uint32_t>(load_be32(base + pos));
    auto crc = static_cast<std::uint32_t>(load_be32(base + pos + 4));
    if (data.size() - pos - 8 < len) break;
    const std::uint8_t* payload = base + pos + 8;
    if (util::crc32c(payload, len) != crc) break;
    Reader r{payload, payload + len};
    auto kind = r.be(1);
    std::string group = r.str(2);
    if (kind == k_commit) {
      std::string topic = r.str(2);
      CommittedOffset o;
      auto partition = static_cast<int>(static_cast<std::int32_t>(r.be(4)));
      o.offset = static_cast<std::int64_t>(r.be(8));
      o.leader_epoch = static_cast<std::int32_t>(r.be(4));
      o.commit_time_ms = static_cast<std::int64_t>(r.be(8));
      o.metadata = r.str(4);
      if (r.ok && r.end - r.p >= 8) o.expire_time_ms = static_cast<std::int64_t>(r.be(8));
      if (!r.ok) break;
      out[group][{topic, partition}] = std::move(o);
    } else if (kind == k_delete_group && r.ok) {
      out.erase(group);
    } else if (kind == k_delete_offset) {
      std::string topic = r.str(2);
      auto partition = static_cast<int>(static_cast<std::int32_t>(r.be(4)));
      if (!r.ok) break;
      if (auto g = out.find(group); g != out.end()) {
        g->second.erase({topic, partition});
        if (g->second.empty()) out.erase(g);
      }
    } else if (kind == k_delete_topic && r.ok) {
      for (auto& [g, offsets] : out)
        std::erase_if(offsets, [&](const auto& kv) { return kv.first.first == group; });
      std::erase_if(out, [](const auto& kv) { return kv.second.empty(); });
    } else {
      break;
    }
    pos += 8 + len;
  }
  good = pos;
  damaged = pos < data.size();
}

void OffsetsLog::append(const std::string& payload) {
  std::string rec = frame(payload);
  m_file.pwrite_all(rec.data(), rec.size(), m_size);
  m_size += rec.size();
  m_dirty = true;
  if (m_fsync == FsyncPolicy::always) sync();
}

void OffsetsLog::commit(const std::string& group, const std::string& topic, int partition,
                        const CommittedOffset& offset) {
  append(commit_payload(group, topic, partition, offset));
}

void OffsetsLog::delete_group(const std::string& group) {
  std::string s;
  put_u8(s, k_delete_group);
  put_str(s, group, 2);
  append(s);
}

void OffsetsLog::delete_offset(const std::string& group, const std::string& topic, int partition) {
  std::string s;
  put_u8(s, k_delete_offset);
  put_str(s, group, 2);
  put_str(s, topic, 2);
  put_be(s, static_cast<std::uint32_t>(partition), 4);
  append(s);
}

void OffsetsLog::delete_topic(const std::string& topic) {
  std::string s;
  put_u8(s, k_delete_topic);
  put_str(s, topic, 2);  // in the group field's place
  append(s);
}

void OffsetsLog::sync() {
  if (!m_dirty) return;
  m_file.datasync();
  m_dirty = false;
}

void OffsetsLog::collect_sync(std::vector<File>& out) {
  if (!m_dirty) return;
  out.push_back(m_file.dup());
  m_dirty = false;
}

void OffsetsLog::compact(const AllOffsets& live) {
  std::string content;
  for (const auto& [group, offsets] : live)
    for (const auto& [tp, o] : offsets) content += frame(commit_payload(group, tp.first, tp.second, o));
  m_file.close();
  write_file_atomic(m_path, content);
  m_file = File::open_rw(m_path);
  m_size = content.size();
  m_dirty = false;
}

}  // namespace ftgo::broker::storage
