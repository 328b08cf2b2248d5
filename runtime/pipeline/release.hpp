#pragma once
// Where a service runs from. Used by the supervisor when it starts a service.
#include <filesystem>
#include <ostream>

#include "config/config.hpp"

namespace ftgo::pipeline {

// The directory `svc` runs from: for a service with a pipeline.yaml, its
// current release (.ftgo/releases/<service>/<id>/), building one first — the
// pipeline up to its package stage, with progress on `out` — when it has none
// yet; for a service without a pipeline, its own directory.
// Throws ftgo::Error naming the stage when the build fails.
std::filesystem::path prepare_run_dir(const config::Workspace& ws, const config::Service& svc,
                                      std::ostream& out);

}  // namespace ftgo::pipeline
