#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "config/doctor.hpp"
#include "config/init.hpp"
#include "config/loader.hpp"
#include "util/error.hpp"

using namespace ftgo::config;

namespace {

// A fresh temporary directory, removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    static int n = 0;
    path = fs::temp_directory_path() / ("ftgo-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

// A socket listening on a free 127.0.0.1 port.
struct Listener {
  int fd = -1;
  int port = 0;
  Listener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd, 4) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~Listener() { ::close(fd); }
};

const Check* find_check(const std::vector<Check>& checks, const std::string& name) {
  for (const auto& c : checks)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("init writes a loadable workspace and a .gitignore", "[config][init]") {
  TempDir t;
  InitResult r = init_workspace(t.path / "My Shop", "");
  CHECK(r.name == "My-Shop");
  Workspace w = load_workspace(t.path / "My Shop");
  CHECK(w.name == "My-Shop");
  CHECK(w.kafka.mode == KafkaMode::embedded);
  CHECK(w.services.empty());
  std::ifstream gi(t.path / "My Shop" / ".gitignore");
  std::string line;
  std::getline(gi, line);
  CHECK(line == ".ftgo/");
}

TEST_CASE("init refuses to overwrite an existing ftgo.yaml", "[config][init]") {
  TempDir t;
  std::ofstream(t.path / "ftgo.yaml") << "name: mine\n";
  CHECK_THROWS_MATCHES(init_workspace(t.path, "x"), ftgo::Error,
                       Catch::Predicate<ftgo::Error>([](const ftgo::Error& e) {
                         return e.code() == ftgo::ExitCode::usage && e.cause() == "refusing to overwrite ftgo.yaml";
                       }));
  std::ifstream in(t.path / "ftgo.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == "name: mine\n");
}

TEST_CASE("init appends .ftgo/ to an existing .gitignore once", "[config][init]") {
  TempDir t;
  std::ofstream(t.path / ".gitignore") << "build/";
  init_workspace(t.path, "w");
  std::ifstream in(t.path / ".gitignore");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == "build/\n.ftgo/\n");
  CHECK_THROWS_AS(init_workspace(t.path / "sub", "bad name!"), ftgo::Error);
}

TEST_CASE("the first word of a run command skips variable assignments", "[config][doctor]") {
  CHECK(probe::first_word("./build/app --port $PORT") == "./build/app");
  CHECK(probe::first_word("  LOG=debug  A=1 python3 -m app") == "python3");
  CHECK(probe::first_word("'my app' x") == "my app");
  CHECK(probe::first_word("") == "");
  CHECK(probe::first_word("node;ls") == "node");
}

TEST_CASE("doctor reports a Kafka port held by another program", "[config][doctor]") {
  TempDir t;
  Listener l;
  std::ofstream(t.path / "ftgo.yaml") << "name: w\nkafka: {port: " << l.port << "}\n";
  CHECK_FALSE(probe::port_free("127.0.0.1", l.port));
  CHECK(probe::tcp_connect("127.0.0.1", l.port, 1000));
  auto checks = run_doctor(t.path, t.path, "");
  const Check* port = find_check(checks, "kafka port");
  REQUIRE(port);
  CHECK(port->status == Check::Status::fail);
  CHECK_THAT(port->detail, Catch::Contains("in use by another program"));
  CHECK_THAT(port->fix, Catch::Contains("kafka.port"));
}

TEST_CASE("doctor passes on a fresh workspace with a free port", "[config][doctor]") {
  TempDir t;
  int port;
  {
    Listener l;
    port = l.port;
  }
  std::ofstream(t.path / "ftgo.yaml") << "name: w\nkafka: {port: " << port << "}\n";
  auto checks = run_doctor(t.path, t.path, "");
  for (const auto& c : checks) {
    INFO(c.name << ": " << c.detail);
    CHECK(c.status == Check::Status::ok);
  }
  CHECK(find_check(checks, "kafka data"));
}

TEST_CASE("doctor names a program missing from PATH and a missing workspace", "[config][doctor]") {
  TempDir t;
  fs::create_directories(t.path / "a");
  std::ofstream(t.path / "ftgo.yaml") << "name: w\nservices: {a: {path: a}}\n";
  std::ofstream(t.path / "a" / "service.yaml") << "name: a\nrun: X=1 no-such-program-ftgo --flag\n";
  auto checks = run_doctor(t.path, t.path, "127.0.0.1:1");
  const Check* svc = find_check(checks, "service a");
  REQUIRE(svc);
  CHECK(svc->status == Check::Status::fail);
  CHECK(svc->detail == "no-such-program-ftgo is not on PATH");
  const Check* broker = find_check(checks, "kafka broker");
  REQUIRE(broker);
  CHECK(broker->status == Check::Status::fail);

  auto none = run_doctor(std::nullopt, t.path, "");
  REQUIRE(none.size() == 1);
  CHECK(none[0].status == Check::Status::fail);
  CHECK_THAT(none[0].fix, Catch::Contains("ftgo init"));
}
