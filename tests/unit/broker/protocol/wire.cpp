#include "wire.hpp"

#include "broker/record_batch.hpp"

namespace ftgo::test {

namespace {
void varint(std::string& out, std::int64_t v) {
  auto u = (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
  while (u >= 0x80) {
    out.push_back(static_cast<char>((u & 0x7f) | 0x80));
    u >>= 7;
  }
  out.push_back(static_cast<char>(u));
}
void put(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}
}  // namespace

std::string make_batch(const std::string& key, const std::string& value, std::int64_t timestamp,
                       std::int64_t producer_id, std::int32_t sequence) {
  std::string record;
  record.push_back(0);  // attributes
  varint(record, 0);    // timestamp delta
  varint(record, 0);    // offset delta
  varint(record, static_cast<std::int64_t>(key.size()));
  record += key;
  varint(record, static_cast<std::int64_t>(value.size()));
  record += value;
  varint(record, 0);  // headers
  std::string rec;
  varint(rec, static_cast<std::int64_t>(record.size()));
  rec += record;

  std::string b;
  put(b, 0, 8);                                    // base offset
  put(b, 49 + rec.size(), 4);                      // batch length
  put(b, 0, 4);                                    // partition leader epoch
  b.push_back(2);                                  // magic
  put(b, 0, 4);                                    // crc, below
  put(b, 0, 2);                                    // attributes
  put(b, 0, 4);                                    // last offset delta
  put(b, static_cast<std::uint64_t>(timestamp), 8);  // base timestamp
  put(b, static_cast<std::uint64_t>(timestamp), 8);  // max timestamp
  put(b, static_cast<std::uint64_t>(producer_id), 8);
  put(b, producer_id < 0 ? 0xffff : 0, 2);  // producer epoch
  put(b, static_cast<std::uint32_t>(sequence), 4);
  put(b, 1, 4);  // record count
  b += rec;
  auto* p = reinterpret_cast<std::uint8_t*>(b.data());
  std::uint32_t crc = broker::compute_batch_crc({p, b.size()});
  broker::store_be32(p + 17, static_cast<std::int32_t>(crc));
  return b;
}

TempDir::TempDir() {
  std::random_device rd;
  path = std::filesystem::temp_directory_path() / ("ftgo-test-" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(path);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

BrokerFixture::BrokerFixture(int default_partitions) {
  broker::BrokerOptions opt;
  opt.data_dir = dir.path / "kafka";
  opt.port = 9092;
  opt.default_partitions = default_partitions;
  broker = std::make_unique<broker::Broker>(io, opt);
}

std::optional<std::string> BrokerFixture::call(std::int16_t key, std::int16_t version, const std::string& body,
                                               const std::string& client_id) {
  std::string frame = request_frame(key, version, 7, client_id, body);
  std::optional<std::string> out;
  broker::protocol::Reader r(reinterpret_cast<std::uint8_t*>(frame.data()), frame.size());
  broker::protocol::Request req;
  req.client_host = "127.0.0.1";
  req.header = broker::protocol::decode_request_header_prefix(r);
  broker->dispatch(req, r, [&out](std::optional<broker::protocol::Writer> w) {
    if (w) out = w->take().substr(broker::protocol::Writer::k_frame_header_bytes);
  });
  io.poll();
  return out;
}

void BrokerFixture::auto_create(const std::string& topic) {
  call(broker::protocol::api_key::metadata, 4, hex("00000001") + s16(topic) + hex("01"));
}

std::string request_frame(std::int16_t key, std::int16_t version, std::int32_t correlation_id,
                          const std::string& client_id, const std::string& body) {
  std::string h;
  put(h, static_cast<std::uint16_t>(key), 2);
  put(h, static_cast<std::uint16_t>(version), 2);
  put(h, static_cast<std::uint32_t>(correlation_id), 4);
  h += s16(client_id);
  return h + body;
}

}  // namespace ftgo::test
