#pragma once
// Releases: the immutable, content-addressed directories a service with a
// pipeline runs from.
//
//   .ftgo/releases/<service>/<id>/...   the package stage's artifacts, at their
//                                       paths relative to the service directory,
//                                       exec bits kept
//   .ftgo/releases/<service>/current    symlink to "<id>": what `ftgo run` starts
//
// <id> is the first 12 hex digits of the SHA-256 over every artifact's path,
// exec bit and contents, so identical artifacts give the same id and reuse the
// directory. A release is written into ".tmp-<id>-<pid>" and renamed into
// place; an existing <id> directory is never modified. `current` is replaced
// by renaming a new symlink over it.
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace ftgo::pipeline {

// The directory `svc` runs from: for a service with a pipeline.yaml, its
// current release (.ftgo/releases/<service>/<id>/), building one first — the
// pipeline up to its package stage, with progress on `out` — when it has none
// yet; for a service without a pipeline, its own directory.
// Throws ftgo::Error naming the stage when the build fails.
std::filesystem::path prepare_run_dir(const config::Workspace& ws, const config::Service& svc,
                                      std::ostream& out);

struct PackageResult {
  std::string id;
  std::filesystem::path dir;
  std::size_t files = 0;
  bool reused = false;  // a release with this content existed already
};

// One service's releases. Cheap to construct; every method touches the disk.
class ReleaseStore {
 public:
  ReleaseStore(const std::filesystem::path& workspace_root, const std::string& service);

  std::filesystem::path root() const { return m_root; }
  std::filesystem::path dir_of(const std::string& id) const { return m_root / id; }
  bool exists(const std::string& id) const;
  // The current release id, when `current` points at an existing release.
  std::optional<std::string> current() const;
  void set_current(const std::string& id);

  // Copies the files `artifacts` (globs, files or directories relative to
  // `service_dir`) into a release. Throws a failure naming an artifact that
  // matches nothing.
  PackageResult package(const std::vector<std::string>& artifacts, const std::filesystem::path& service_dir);

 private:
  std::filesystem::path m_root;
  std::string m_service;
};

// The id the artifacts would get (exposed for tests).
std::string release_id(const std::filesystem::path& service_dir, const std::vector<std::string>& files);

}  // namespace ftgo::pipeline
