// Each invalid fixture must fail with a usage error naming the exact
// file:line:col (1-based) and the key path with the cause.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "config/loader.hpp"
#include "util/error.hpp"

using namespace ftgo::config;

namespace {

const fs::path k_data = fs::path(FTGO_TEST_DATA) / "config";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Case {
  const char* file;      // under tests/data/config/invalid
  const char* line_col;  // expected "line:col"
  const char* cause;     // expected start of the cause (the key path first)
};

// Parses the fixture by its kind (the file name's prefix) and returns the error.
ftgo::Error parse_error(const Case& c) {
  fs::path path = k_data / "invalid" / c.file;
  std::string text = slurp(path);
  REQUIRE_FALSE(text.empty());
  std::string name = c.file;
  try {
    if (name.rfind("service_", 0) == 0) parse_service(text, path);
    else if (name.rfind("ftgo_", 0) == 0) parse_workspace(text, path);
    else parse_pipeline(text, path);
  } catch (const ftgo::Error& e) {
    return e;
  }
  FAIL("no error for " << c.file);
  throw;
}

// Loads a fixture workspace and returns the error.
ftgo::Error workspace_error(const std::string& dir) {
  try {
    load_workspace(k_data / dir);
  } catch (const ftgo::Error& e) {
    return e;
  }
  FAIL("no error for " << dir);
  throw;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

TEST_CASE("invalid files name the file, line, column and key", "[config]") {
  const Case cases[] = {
      {"service_unknown_key.yaml", "3:1", "restrat: unknown key (did you mean 'restart'?)"},
      {"service_bad_duration.yaml", "5:12", "restart.backoff: bad duration \"10x\" (use ms, s, m or h"},
      {"service_bad_port.yaml", "3:7", "port: bad port \"70000\" (expected a number from 1 to 65535)"},
      {"service_run_wrong_type.yaml", "2:6", "run: expected a command string or an argv list, got a map"},
      {"service_bad_signal.yaml", "3:16", "stop.signal: unknown value \"SIGTREM\" (did you mean 'SIGTERM'?)"},
      {"service_two_health_kinds.yaml", "6:3", "health.tcp: only one of http, tcp, exec or log"},
      {"service_bad_condition.yaml", "4:6", "depends_on.b: unknown value \"ready\""},
      {"service_syntax_error.yaml", "3:5", "YAML syntax error: end of sequence flow not found"},
      {"service_missing_run.yaml", "1:1", "run: required key missing"},
      {"service_bad_env_name.yaml", "4:3", "env.LOG-LEVEL: not a valid environment variable name"},
      {"service_duplicate_key.yaml", "4:1", "port: duplicate key (first at line 3)"},
      {"service_http_health_without_port.yaml", "3:10", "health.http: needs the service's port"},
      {"service_retries_not_a_number.yaml", "4:30", "health.retries: expected a whole number, got \"many\""},
      {"ftgo_unknown_kafka_key.yaml", "3:3", "kafka.prot: unknown key (did you mean 'port'?)"},
      {"ftgo_bad_mode.yaml", "3:9", "kafka.mode: unknown value \"embeded\" (did you mean 'embedded'?)"},
      {"ftgo_external_without_bootstrap.yaml", "3:3", "kafka.bootstrap: required when kafka.mode is external"},
      {"ftgo_bad_partitions.yaml", "4:29", "kafka.topics[0].partitions: out of range: \"-1\""},
      {"ftgo_duplicate_service.yaml", "5:3", "services.a: duplicate key (first at line 3)"},
      {"ftgo_service_without_path.yaml", "3:7", "services.a.dir: unknown key (known: path)"},
      {"ftgo_top_level_list.yaml", "1:1", "expected a map of keys at the top level, got a list"},
      {"pipeline_unknown_stage_key.yaml", "3:5", "stages[0].command: unknown key"},
      {"pipeline_bad_timeout.yaml", "2:39", "stages[0].timeout: bad duration \"soon\""},
      {"pipeline_bad_strategy.yaml", "4:13", "deploy.strategy: unknown value \"canary\" (use blue-green or restart)"},
      {"pipeline_stage_without_run.yaml", "3:5", "stages[1]: needs run (a command) or artifacts"},
      {"pipeline_no_stages.yaml", "1:1", "stages: required key missing"},
  };
  for (const auto& c : cases) {
    INFO(c.file);
    ftgo::Error e = parse_error(c);
    std::string kind = std::string(c.file).substr(0, std::string(c.file).find('_'));
    CHECK(e.code() == ftgo::ExitCode::usage);
    CHECK(e.what_failed() == "invalid " + kind + ".yaml");
    CHECK(e.where() == (k_data / "invalid" / c.file).string() + ":" + c.line_col);
    CHECK_THAT(e.cause(), Catch::StartsWith(c.cause));
  }
}

TEST_CASE("a missing service.yaml names the ftgo.yaml line of that service", "[config]") {
  ftgo::Error e = workspace_error("ws_missing_service_yaml");
  CHECK(e.what_failed() == "invalid ftgo.yaml");
  CHECK(ends_with(e.where(), "/ws_missing_service_yaml/ftgo.yaml:4:3"));
  CHECK_THAT(e.cause(), Catch::StartsWith("services.b.path: no service.yaml in \"services/b\""));
}

TEST_CASE("an unknown dependency is named with a suggestion", "[config]") {
  ftgo::Error e = workspace_error("ws_unknown_dependency");
  CHECK(e.what_failed() == "invalid service.yaml");
  CHECK(ends_with(e.where(), "/ws_unknown_dependency/order/service.yaml:5:3"));
  CHECK_THAT(e.cause(), Catch::StartsWith("depends_on.kitchn: unknown service \"kitchn\" (did you mean 'kitchen'?)"));
}

TEST_CASE("a dependency cycle is named in full", "[config]") {
  ftgo::Error e = workspace_error("ws_cycle");
  CHECK(ends_with(e.where(), "/ws_cycle/c/service.yaml:4:5"));
  CHECK(e.cause() == "depends_on.a: dependency cycle a -> b -> c -> a");
}

TEST_CASE("a service depending on itself is a cycle", "[config]") {
  fs::path dir = fs::temp_directory_path() / ("ftgo-self-dep-" + std::to_string(::getpid()));
  fs::create_directories(dir / "a");
  std::ofstream(dir / "ftgo.yaml") << "name: w\nservices:\n  a: {path: a}\n";
  std::ofstream(dir / "a" / "service.yaml") << "name: a\nrun: ./a\ndepends_on: {a: started}\n";
  std::string cause;
  try {
    load_workspace(dir);
  } catch (const ftgo::Error& e) {
    cause = e.cause();
  }
  fs::remove_all(dir);
  CHECK(cause == "depends_on.a: dependency cycle a -> a");
}

TEST_CASE("a service whose name differs from its ftgo.yaml key is refused", "[config]") {
  ftgo::Error e = workspace_error("ws_name_mismatch");
  CHECK(e.what_failed() == "invalid service.yaml");
  CHECK(ends_with(e.where(), "/ws_name_mismatch/order/service.yaml:2:7"));
  CHECK_THAT(e.cause(), Catch::StartsWith("name: \"orders\" does not match its key \"order\" in ftgo.yaml ("));
  CHECK_THAT(e.cause(), Catch::EndsWith("/ws_name_mismatch/ftgo.yaml:3:3)"));
}

TEST_CASE("an invalid pipeline.yaml fails the workspace load", "[config]") {
  ftgo::Error e = workspace_error("ws_bad_pipeline");
  CHECK(e.what_failed() == "invalid pipeline.yaml");
  CHECK(ends_with(e.where(), "/ws_bad_pipeline/a/pipeline.yaml:3:12"));
  CHECK(e.cause() == "stages[1].name: stage \"build\" is listed twice");
}

TEST_CASE("a missing ftgo.yaml or service.yaml is a usage error naming the file", "[config]") {
  ftgo::Error e = workspace_error("ws_no_ftgo_yaml");
  CHECK(e.code() == ftgo::ExitCode::usage);
  CHECK(e.what_failed() == "missing ftgo.yaml");
  CHECK(ends_with(e.where(), "/ws_no_ftgo_yaml/ftgo.yaml"));
  CHECK(e.cause() == "no such file");
  CHECK_THROWS_WITH(load_service(k_data / "nowhere" / "service.yaml"), Catch::Contains("missing service.yaml"));
}

TEST_CASE("loader errors never leak yaml-cpp exceptions", "[config]") {
  const char* inputs[] = {"{", "[", "a: *x", "&a [*a]", "? [a]: b", "name: !!binary x", "\t", "a: b: c",
                          "stages: [{name: [1]}]", "- - -", "services: {a: {path: *z}}", "%YAML 9.9\n---\n"};
  for (const char* in : inputs) {
    INFO(in);
    CHECK_THROWS_AS(parse_service(in, "s.yaml"), ftgo::Error);
    CHECK_THROWS_AS(parse_pipeline(in, "p.yaml"), ftgo::Error);
    try {
      parse_workspace(in, "ftgo.yaml");
    } catch (const ftgo::Error&) {
    }
  }
}

TEST_CASE("deeply nested or huge input is an error, not a crash", "[config]") {
  std::string deep(100'000, '[');
  CHECK_THROWS_AS(parse_service(deep, "s.yaml"), ftgo::Error);
  std::string deep_map;
  for (int i = 0; i < 5000; ++i) deep_map += "{a: ";
  CHECK_THROWS_AS(parse_workspace(deep_map, "ftgo.yaml"), ftgo::Error);
  std::string huge = "name: a\nrun: ./a\nenv: {X: \"" + std::string(2 << 20, 'x') + "\"}\n";
  CHECK_THROWS_WITH(parse_service(huge, "s.yaml"), Catch::Contains("file too large"));
  std::string regex = "name: a\nrun: ./a\nhealth: {log: \"" + std::string(400, '(') + std::string(400, ')') + "\"}\n";
  CHECK_NOTHROW(parse_service(regex, "s.yaml"));
  CHECK_THROWS_WITH(parse_service("name: a\nrun: ./a\nhealth: {log: \"(\"}\n", "s.yaml"),
                    Catch::Contains("health.log: not a valid regular expression"));
}
