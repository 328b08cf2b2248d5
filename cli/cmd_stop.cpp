#include "commands.hpp"

namespace ftgo::cli {

void setup_stop(CLI::App& app, Globals&) { add_unimplemented(app, "stop", "Stop one service, or all"); }

}  // namespace ftgo::cli
