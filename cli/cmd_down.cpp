#include "commands.hpp"

namespace ftgo::cli {

void setup_down(CLI::App& app, Globals&) { add_unimplemented(app, "down", "Stop the running workspace"); }

}  // namespace ftgo::cli
