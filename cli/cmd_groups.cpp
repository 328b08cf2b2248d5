#include "commands.hpp"

namespace ftgo::cli {

void setup_groups(CLI::App& app, Globals&) { add_unimplemented(app, "groups", "List or describe consumer groups"); }

}  // namespace ftgo::cli
