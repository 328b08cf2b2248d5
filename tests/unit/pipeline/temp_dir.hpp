#pragma once
// A temporary directory for one test, removed at the end of the test.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace ftgo::pipeline::test {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    m_path = std::filesystem::temp_directory_path() /
             ("ftgo-pipeline-test-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(m_path);
    m_path = std::filesystem::canonical(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path write(const std::string& rel, const std::string& text) const {
    auto p = m_path / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }

 private:
  std::filesystem::path m_path;
};

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace ftgo::pipeline::test
