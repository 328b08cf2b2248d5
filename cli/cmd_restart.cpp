#include "commands.hpp"

namespace ftgo::cli {

void setup_restart(CLI::App& app, Globals&) { add_unimplemented(app, "restart", "Restart a running service"); }

}  // namespace ftgo::cli
