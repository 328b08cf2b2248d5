#include <catch2/catch.hpp>
#include <sstream>

#include "pipeline/cache.hpp"
#include "pipeline/stages.hpp"
#include "temp_dir.hpp"

using namespace ftgo::pipeline;
using namespace ftgo;

namespace {

struct Fixture {
  test::TempDir ws_dir, svc_dir;
  config::Workspace ws;
  config::Service svc;
  config::Pipeline pipeline;
  std::ostringstream out;
  Console console{out, false};

  Fixture() {
    ws.root = ws_dir.path();
    svc.name = "order";
    svc.dir = svc_dir.path();
    svc_dir.write("src/app.py", "print(1)\n");
    pipeline.stages = {
        stage("build", "echo built >> build.log && cp src/app.py app.py", {"src/**"}),
        stage("test", "echo tested >> test.log", {"src/**"}),
        config::Stage{"package", "", {}, {}, std::nullopt, {"app.py"}},
    };
  }
  static config::Stage stage(std::string name, std::string run, std::vector<std::string> inputs) {
    config::Stage s;
    s.name = std::move(name);
    s.run = std::move(run);
    s.inputs = std::move(inputs);
    return s;
  }
  StagesOutcome run(StageOptions o = {}) { return run_stages(ws, svc, pipeline, o, console); }
  std::string log(const std::string& name) { return test::read_text(svc.dir / name); }
};

}  // namespace

TEST_CASE("stages run in order in the service directory and package a release", "[pipeline][stages]") {
  Fixture f;
  auto o = f.run();
  REQUIRE(o.ok());
  REQUIRE(o.stages.size() == 3);
  CHECK(o.stages[0].status == "ok");
  CHECK(o.stages[0].exit_code == 0);
  CHECK(o.stages[2].status == "ok");
  REQUIRE(o.release);
  CHECK(f.log("build.log") == "built\n");
  CHECK(f.out.str().find("==> order: build (1/3)") != std::string::npos);
}

TEST_CASE("an unchanged second run is cached for every stage; a changed input reruns", "[pipeline][stages][cache]") {
  Fixture f;
  auto first = f.run();
  auto second = f.run();
  REQUIRE(second.ok());
  for (const auto& s : second.stages) CHECK(s.cached);
  CHECK(second.release == first.release);
  CHECK(f.log("build.log") == "built\n");
  CHECK(f.out.str().find("build (1/3): cached") != std::string::npos);

  f.svc_dir.write("src/app.py", "print(2)\n");
  auto third = f.run();
  CHECK_FALSE(third.stages[0].cached);
  CHECK(third.release != first.release);
  CHECK(f.log("build.log") == "built\nbuilt\n");
}

TEST_CASE("--no-cache runs every stage", "[pipeline][stages][cache]") {
  Fixture f;
  f.run();
  StageOptions o;
  o.use_cache = false;
  auto again = f.run(o);
  CHECK_FALSE(again.stages[0].cached);
  CHECK(f.log("build.log") == "built\nbuilt\n");
}

TEST_CASE("a stage without inputs is never cached and says so", "[pipeline][stages][cache]") {
  Fixture f;
  f.pipeline.stages[1].inputs.clear();
  f.run();
  auto again = f.run();
  CHECK(again.stages[0].cached);
  CHECK_FALSE(again.stages[1].cached);
  CHECK(f.log("test.log") == "tested\ntested\n");
  CHECK(f.out.str().find("no inputs: never cached") != std::string::npos);
}

TEST_CASE("the first failing stage stops the pipeline and reports its exit code and last lines", "[pipeline][stages]") {
  Fixture f;
  f.pipeline.stages[1].run = "echo first; echo 'assert failed' >&2; exit 3";
  auto o = f.run();
  CHECK_FALSE(o.ok());
  CHECK(o.failed_stage == "test");
  CHECK(o.failure.find("exited with 3") != std::string::npos);
  CHECK(o.failure.find("assert failed") != std::string::npos);
  CHECK_FALSE(o.release);
  REQUIRE(o.stages.size() == 3);
  CHECK(o.stages[1].status == "failed");
  CHECK(o.stages[1].exit_code == 3);
  CHECK(o.stages[2].status == "not_run");
  // A failure is not cached: the next run runs it again.
  f.pipeline.stages[1].run = "echo tested >> test.log";
  auto fixed = f.run();
  CHECK(fixed.ok());
  CHECK_FALSE(fixed.stages[1].cached);
}

TEST_CASE("a stage over its timeout is killed with its whole process group", "[pipeline][stages]") {
  Fixture f;
  f.pipeline.stages[0].run = "(sleep 30; echo leaked > leaked.txt) & sleep 30";
  f.pipeline.stages[0].timeout = std::chrono::milliseconds(300);
  auto o = f.run();
  CHECK(o.failed_stage == "build");
  CHECK(o.stages[0].status == "timed_out");
  CHECK(o.failure.find("timed out") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(f.svc.dir / "leaked.txt"));
}

TEST_CASE("stages see the workspace environment and their own env", "[pipeline][stages]") {
  Fixture f;
  f.ws.kafka.port = 19092;
  f.pipeline.stages[0].run = "echo \"$FTGO_SERVICE $FTGO_WORKSPACE $KAFKA_BOOTSTRAP_SERVERS $GREETING\" > env.txt; cp src/app.py app.py";
  f.pipeline.stages[0].env = {{"GREETING", "hello"}};
  REQUIRE(f.run().ok());
  CHECK(f.log("env.txt") == "order " + f.ws.root.string() + " 127.0.0.1:19092 hello\n");
}

TEST_CASE("the cache key covers the command and env, not only the inputs", "[pipeline][cache]") {
  Fixture f;
  auto base = stage_key(f.pipeline.stages[0], f.svc.dir, "order");
  auto s = f.pipeline.stages[0];
  s.run += " ";
  CHECK(stage_key(s, f.svc.dir, "order").key != base.key);
  s = f.pipeline.stages[0];
  s.env["X"] = "1";
  CHECK(stage_key(s, f.svc.dir, "order").key != base.key);
  CHECK(stage_key(f.pipeline.stages[0], f.svc.dir, "order").key == base.key);
  CHECK(base.files == 1);
}

TEST_CASE("--stages runs only the named stages", "[pipeline][stages]") {
  Fixture f;
  StageOptions o;
  o.only = std::set<std::string>{"test"};
  auto r = f.run(o);
  REQUIRE(r.stages.size() == 1);
  CHECK(r.stages[0].name == "test");
  CHECK_FALSE(std::filesystem::exists(f.svc.dir / "build.log"));
  CHECK_FALSE(r.release);
}
