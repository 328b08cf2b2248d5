#include "commands.hpp"

namespace ftgo::cli {

void setup_deploy(CLI::App& app, Globals&) { add_unimplemented(app, "deploy", "Run a service's pipeline and swap it in"); }

}  // namespace ftgo::cli
