// rdkafka_driver: the librdkafka C++ API (Debian's librdkafka++) driven by ftgo's compat suite.
//
// `rdkafka_driver serve` reads one JSON request per stdin line and answers one JSON line on
// stdout (tests/compat/clients.py, DriverClient): ops produce and consume. A consume prints a
// {"event":"positioned"} line once its start offset is known. Bytes travel as base64.
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const std::string k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string b64_encode(const char* data, size_t size) {
    std::string out;
    for (size_t i = 0; i < size; i += 3) {
        unsigned n = static_cast<unsigned char>(data[i]) << 16;
        if (i + 1 < size) n |= static_cast<unsigned char>(data[i + 1]) << 8;
        if (i + 2 < size) n |= static_cast<unsigned char>(data[i + 2]);
        out += k_alphabet[(n >> 18) & 63];
        out += k_alphabet[(n >> 12) & 63];
        out += i + 1 < size ? k_alphabet[(n >> 6) & 63] : '=';
        out += i + 2 < size ? k_alphabet[n & 63] : '=';
    }
    return out;
}

std::string b64_decode(const std::string& text) {
    std::string out;
    unsigned n = 0;
    int bits = 0;
    for (char c : text) {
        auto pos = k_alphabet.find(c);
        if (pos == std::string::npos) continue;  // '=' padding
        n = (n << 6) | static_cast<unsigned>(pos);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((n >> bits) & 0xff);
        }
    }
    return out;
}

json bytes_json(const void* data, size_t size) {
    if (data == nullptr) return nullptr;
    return b64_encode(static_cast<const char*>(data), size);
}

std::unique_ptr<RdKafka::Conf> make_conf(const json& req) {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    std::string err;
    auto set = [&](const std::string& k, const std::string& v) {
        if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) throw std::runtime_error(k + ": " + err);
    };
    set("bootstrap.servers", req.at("bootstrap").get<std::string>());
    if (req.contains("config"))
        for (auto& [k, v] : req["config"].items()) set(k, v.is_string() ? v.get<std::string>() : v.dump());
    if (req.contains("compression") && req["compression"].is_string())
        set("compression.codec", req["compression"].get<std::string>());
    return conf;
}

// Collects delivery reports in order of the opaque index each message carries.
class Reports : public RdKafka::DeliveryReportCb {
public:
    explicit Reports(size_t n) : results(n, json(nullptr)) {}
    void dr_cb(RdKafka::Message& m) override {
        auto i = reinterpret_cast<size_t>(m.msg_opaque());
        if (m.err()) errors.push_back(m.errstr());
        else results[i] = json{{"partition", m.partition()}, {"offset", m.offset()}};
    }
    std::vector<json> results;
    std::vector<std::string> errors;
};

json produce(const json& req) {
    auto conf = make_conf(req);
    std::string err;
    conf->set("acks", "all", err);
    conf->set("linger.ms", "5", err);
    const auto& records = req.at("records");
    Reports reports(records.size());
    conf->set("dr_cb", &reports, err);
    std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
    if (!producer) throw std::runtime_error("producer: " + err);
    const std::string topic = req.at("topic");
    for (size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        std::string key, value;
        bool has_key = !r["key"].is_null(), has_value = !r["value"].is_null();
        if (has_key) key = b64_decode(r["key"]);
        if (has_value) value = b64_decode(r["value"]);
        RdKafka::Headers* headers = RdKafka::Headers::create();
        for (const auto& h : r["headers"]) {
            if (h[1].is_null()) headers->add(RdKafka::Headers::Header(h[0].get<std::string>(), nullptr, 0));
            else headers->add(h[0].get<std::string>(), b64_decode(h[1]));
        }
        int32_t partition = r.value("partition", json(nullptr)).is_null() ? RdKafka::Topic::PARTITION_UA
                                                                           : r["partition"].get<int32_t>();
        int64_t ts = r.value("timestamp", json(nullptr)).is_null() ? 0 : r["timestamp"].get<int64_t>();
        auto code = producer->produce(topic, partition, RdKafka::Producer::RK_MSG_COPY,
                                      has_value ? value.data() : nullptr, value.size(),
                                      has_key ? key.data() : nullptr, key.size(), ts, headers,
                                      reinterpret_cast<void*>(i));
        if (code != RdKafka::ERR_NO_ERROR) {
            delete headers;
            throw std::runtime_error("produce: " + RdKafka::err2str(code));
        }
        producer->poll(0);
    }
    if (producer->flush(30000) != RdKafka::ERR_NO_ERROR) throw std::runtime_error("flush timed out");
    if (!reports.errors.empty()) throw std::runtime_error("delivery failed: " + reports.errors.front());
    return json{{"results", reports.results}};
}

json consume(const json& req) {
    auto conf = make_conf(req);
    std::string err;
    conf->set("group.id", "compat-rdkafka-cpp", err);
    conf->set("enable.auto.commit", "false", err);
    std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
    if (!consumer) throw std::runtime_error("consumer: " + err);
    const std::string topic = req.at("topic");
    const int32_t partition = req.at("partition");
    const size_t count = req.at("count");
    int64_t low = 0, high = 0;
    auto code = consumer->query_watermark_offsets(topic, partition, &low, &high, 10000);
    if (code != RdKafka::ERR_NO_ERROR) throw std::runtime_error("watermarks: " + RdKafka::err2str(code));
    const auto& start = req.at("start");
    int64_t offset = low;
    if (start == "latest") {
        offset = high;
    } else if (start.is_object() && start.contains("offset")) {
        offset = start["offset"];
    } else if (start.is_object() && start.contains("timestamp")) {
        std::vector<RdKafka::TopicPartition*> tps{RdKafka::TopicPartition::create(topic, partition, start["timestamp"].get<int64_t>())};
        code = consumer->offsetsForTimes(tps, 10000);
        offset = tps[0]->offset() >= 0 ? tps[0]->offset() : high;
        RdKafka::TopicPartition::destroy(tps);
        if (code != RdKafka::ERR_NO_ERROR) throw std::runtime_error("offsetsForTimes: " + RdKafka::err2str(code));
    }
    std::vector<RdKafka::TopicPartition*> assignment{RdKafka::TopicPartition::create(topic, partition, offset)};
    consumer->assign(assignment);
    RdKafka::TopicPartition::destroy(assignment);
    std::cout << json{{"event", "positioned"}, {"position", offset}}.dump() << std::endl;
    json out = json::array();
    auto deadline = Clock::now() + std::chrono::milliseconds(req.value("timeout_ms", 20000));
    while (out.size() < count && Clock::now() < deadline) {
        std::unique_ptr<RdKafka::Message> m(consumer->consume(200));
        if (m->err() == RdKafka::ERR__TIMED_OUT || m->err() == RdKafka::ERR__PARTITION_EOF) continue;
        if (m->err()) throw std::runtime_error("consume: " + m->errstr());
        json headers = json::array();
        if (auto* hs = m->headers())
            for (const auto& h : hs->get_all()) headers.push_back({h.key(), bytes_json(h.value(), h.value_size())});
        out.push_back({{"partition", m->partition()},
                       {"offset", m->offset()},
                       {"timestamp", m->timestamp().timestamp},
                       {"key", m->key_pointer() ? bytes_json(m->key_pointer(), m->key_len()) : json(nullptr)},
                       {"value", bytes_json(m->payload(), m->len())},
                       {"headers", headers}});
    }
    consumer->close();
    return json{{"records", out}};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::string(argv[1]) != "serve") {
        std::cerr << "usage: rdkafka_driver serve\n";
        return 2;
    }
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty()) continue;
        json reply;
        try {
            auto req = json::parse(line);
            const std::string op = req.at("op");
            if (op == "produce") reply = produce(req);
            else if (op == "consume") reply = consume(req);
            else throw std::runtime_error("unknown op: " + op);
            reply["ok"] = true;
        } catch (const std::exception& e) {
            reply = json{{"ok", false}, {"error", e.what()}};
        }
        std::cout << reply.dump() << std::endl;
    }
    return 0;
}
