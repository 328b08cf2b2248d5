// libFuzzer target for the YAML loaders: feeds every input to the three
// parse_* functions. The only exception allowed out of a loader is
// ftgo::Error (bad input); anything else — a yaml-cpp exception, a crash, a
// sanitizer report, a hang — is a bug. Run with scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/loader.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    ftgo::config::parse_workspace(text, "/fuzz/ftgo.yaml");
  } catch (const ftgo::Error&) {
  }
  try {
    ftgo::config::parse_service(text, "/fuzz/service.yaml");
  } catch (const ftgo::Error&) {
  }
  try {
    ftgo::config::parse_pipeline(text, "/fuzz/pipeline.yaml");
  } catch (const ftgo::Error&) {
  }
  return 0;
}
