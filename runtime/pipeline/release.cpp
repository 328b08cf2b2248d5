#include "pipeline/release.hpp"

#include <unistd.h>

#include <algorithm>

#include "pipeline/glob.hpp"
#include "pipeline/hashing.hpp"
#include "util/error.hpp"

namespace ftgo::pipeline {

namespace fs = std::filesystem;

namespace {

bool is_executable(const fs::path& p) {
  std::error_code ec;
  auto perms = fs::status(p, ec).permissions();
  return !ec && (perms & fs::perms::owner_exec) != fs::perms::none;
}

}  // namespace

std::string release_id(const fs::path& service_dir, const std::vector<std::string>& files) {
  Sha256 h;
  h.field("ftgo-release-v1");
  for (const auto& rel : files) {
    h.field(rel);
    h.field(is_executable(service_dir / rel) ? "x" : "-");
    h.field(sha256_file_hex(service_dir / rel));
  }
  return h.hex().substr(0, 12);
}

ReleaseStore::ReleaseStore(const fs::path& workspace_root, const std::string& service)
    : m_root(workspace_root / ".ftgo" / "releases" / service), m_service(service) {}

bool ReleaseStore::exists(const std::string& id) const {
  std::error_code ec;
  return !id.empty() && fs::is_directory(m_root / id, ec);
}

std::optional<std::string> ReleaseStore::current() const {
  std::error_code ec;
  fs::path target = fs::read_symlink(m_root / "current", ec);
  if (ec) return std::nullopt;
  std::string id = target.filename().string();
  if (!exists(id)) return std::nullopt;
  return id;
}

void ReleaseStore::set_current(const std::string& id) {
  if (!exists(id)) throw failure("set current release", m_service, "no release " + id);
  fs::path tmp = m_root / (".current.tmp-" + std::to_string(getpid()));
  std::error_code ec;
  fs::remove(tmp, ec);
  fs::create_directory_symlink(id, tmp, ec);
  if (ec) throw failure("set current release", tmp.string(), ec.message());
  fs::rename(tmp, m_root / "current", ec);
  if (ec) {
    fs::remove(tmp);
    throw failure("set current release", (m_root / "current").string(), ec.message());
  }
}

PackageResult ReleaseStore::package(const std::vector<std::string>& artifacts, const fs::path& service_dir) {
  std::vector<std::string> files;
  for (const auto& artifact : artifacts) {
    auto matched = expand_globs(service_dir, {artifact}, m_service + ": artifacts");
    if (matched.empty()) {
      throw failure("package", m_service,
                    "artifact \"" + artifact + "\" matches no file in " + service_dir.string() +
                        " (did a stage produce it? --no-cache reruns every stage)");
    }
    files.insert(files.end(), matched.begin(), matched.end());
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());

  PackageResult result;
  result.id = release_id(service_dir, files);
  result.dir = dir_of(result.id);
  result.files = files.size();
  if (exists(result.id)) {
    result.reused = true;
    return result;
  }
  std::error_code ec;
  fs::create_directories(m_root, ec);
  if (ec) throw failure("package", m_root.string(), ec.message());
  fs::path tmp = m_root / (".tmp-" + result.id + "-" + std::to_string(getpid()));
  fs::remove_all(tmp, ec);
  try {
    for (const auto& rel : files) {
      fs::path dest = tmp / rel;
      fs::create_directories(dest.parent_path());
      fs::copy_file(service_dir / rel, dest, fs::copy_options::overwrite_existing);
      fs::permissions(dest, fs::status(service_dir / rel).permissions(), fs::perm_options::replace);
    }
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(tmp, ec);
    throw failure("package", m_service, std::string("copying artifacts failed: ") + e.what());
  }
  fs::rename(tmp, result.dir, ec);
  if (ec) {
    fs::remove_all(tmp, ec);
    // Another process wrote the same content first: that is the same release.
    if (!exists(result.id)) throw failure("package", result.dir.string(), "cannot move the release into place");
    result.reused = true;
  }
  return result;
}

}  // namespace ftgo::pipeline
