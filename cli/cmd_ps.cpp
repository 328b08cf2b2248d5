#include "commands.hpp"

namespace ftgo::cli {

void setup_ps(CLI::App& app, Globals&) { add_unimplemented(app, "ps", "Show the services of the running workspace"); }

}  // namespace ftgo::cli
