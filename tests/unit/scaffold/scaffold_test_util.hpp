#pragma once
// Helpers for the scaffold tests: a temporary directory removed at scope end,
// the test templates in tests/data/scaffold/templates, and file reading.
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace ftgo::scaffold::test {

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    m_path = fs::temp_directory_path() / ("ftgo-scaffold-test-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return m_path; }

 private:
  fs::path m_path;
};

inline fs::path test_template(const std::string& name) {
  return fs::path(FTGO_TEST_DATA) / "scaffold" / "templates" / name;
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void spit(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << text;
}

}  // namespace ftgo::scaffold::test
