#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "events/event.hpp"
#include "util/base64.hpp"

using namespace ftgo::events;
using ftgo::util::base64_decode;
using ftgo::util::base64_encode;
using ftgo::util::is_utf8;

TEST_CASE("base64 round-trips every length and rejects bad input", "[events][envelope]") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foob") == "Zm9vYg==");
  std::string all;
  for (int i = 0; i < 256; ++i) all += char(i);
  for (size_t n = 0; n <= all.size(); n += 37) CHECK(base64_decode(base64_encode(all.substr(0, n))) == all.substr(0, n));
  CHECK_FALSE(base64_decode("Zg="));
  CHECK_FALSE(base64_decode("Z!=="));
  CHECK_FALSE(base64_decode("Zg==Zg=="));
  CHECK_FALSE(base64_decode("Z==="));
}

TEST_CASE("UTF-8 detection accepts text and rejects malformed bytes", "[events][envelope]") {
  CHECK(is_utf8("plain ascii"));
  CHECK(is_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8d\x95"));
  CHECK(is_utf8(std::string("nul\0inside", 10)));
  CHECK_FALSE(is_utf8("\xff"));
  CHECK_FALSE(is_utf8("\xc3"));              // truncated
  CHECK_FALSE(is_utf8("\xc0\xaf"));          // overlong
  CHECK_FALSE(is_utf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(is_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST_CASE("the envelope has the design's fields in order", "[events][envelope]") {
  Event e;
  e.topic = "order-events";
  e.partition = 0;
  e.offset = 42;
  e.timestamp = 1764201600000;
  e.key = "order-7";
  e.headers = {{"type", "OrderCreated"}};
  e.value = "{\"orderId\":7}";
  CHECK(encode_envelope(e) ==
        R"({"topic":"order-events","partition":0,"offset":42,"timestamp":1764201600000,)"
        R"("key":"order-7","headers":{"type":"OrderCreated"},"value":"{\"orderId\":7}"})");
}

TEST_CASE("binary keys, values and headers are base64 and round-trip", "[events][envelope]") {
  Event e;
  e.topic = "t";
  e.key = std::string("\x00\xff", 2);
  e.value = std::string("\x89PNG\r\n\x1a\n\x00", 9);
  e.headers = {{"trace", std::string("\xff\xfe", 2)}, {"type", "X"}, {"type", "Y"}, {"empty", std::nullopt}};
  std::string line = encode_envelope(e);
  auto doc = nlohmann::json::parse(line);
  CHECK(doc["key_encoding"] == "base64");
  CHECK(doc["value_encoding"] == "base64");
  CHECK(doc["headers_encoding"] == "base64");
  CHECK(doc["headers"]["type"].is_array());
  Event back = decode_envelope(line);
  CHECK(back.key == e.key);
  CHECK(back.value == e.value);
  CHECK(back.headers == e.headers);
}

TEST_CASE("null and empty values stay distinct", "[events][envelope]") {
  Event e;
  e.topic = "t";
  e.value = std::nullopt;
  CHECK(nlohmann::json::parse(encode_envelope(e))["value"].is_null());
  CHECK_FALSE(decode_envelope(encode_envelope(e)).value);
  e.value = "";
  CHECK(decode_envelope(encode_envelope(e)).value == std::string());
}

TEST_CASE("decoding takes optional partition and timestamp and inline JSON values", "[events][envelope]") {
  auto e = decode_envelope(R"({"key":null,"value":{"orderId":7},"partition":2,"timestamp":5})");
  CHECK_FALSE(e.key);
  CHECK(e.value == R"({"orderId":7})");
  CHECK(e.partition == 2);
  CHECK(e.timestamp == 5);
  CHECK(decode_envelope(R"({"value":"x"})").partition == -1);
}

TEST_CASE("malformed envelopes say what is wrong", "[events][envelope]") {
  auto message = [](const std::string& line) {
    try {
      decode_envelope(line);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(message("{\"value\":"), Catch::Contains("not valid JSON"));
  CHECK_THAT(message("[1]"), Catch::Contains("expected a JSON object"));
  CHECK_THAT(message(R"({"vaule":"x"})"), Catch::Contains("unknown field \"vaule\"") && Catch::Contains("value"));
  CHECK_THAT(message(R"({"value":"%%","value_encoding":"base64"})"), Catch::Contains("value: not valid base64"));
  CHECK_THAT(message(R"({"partition":-2})"), Catch::Contains("partition"));
  CHECK_THAT(message(R"({"key":7})"), Catch::Contains("key: expected a string"));
  CHECK_THAT(message(R"({"headers":[1]})"), Catch::Contains("headers: expected an object"));
}
