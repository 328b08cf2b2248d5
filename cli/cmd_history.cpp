#include "commands.hpp"

namespace ftgo::cli {

void setup_history(CLI::App& app, Globals&) { add_unimplemented(app, "history", "Show a service's deployments"); }

}  // namespace ftgo::cli
