#include "pipeline/release.hpp"

namespace ftgo::pipeline {

// Services without a pipeline run from their own directory. Releases come
// with the deploy issue (7), which replaces this with the full behaviour.
std::filesystem::path prepare_run_dir(const config::Workspace&, const config::Service& svc, std::ostream&) {
  return svc.dir;
}

}  // namespace ftgo::pipeline
