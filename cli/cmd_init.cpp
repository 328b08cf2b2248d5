#include "commands.hpp"

namespace ftgo::cli {

void setup_init(CLI::App& app, Globals&) { add_unimplemented(app, "init", "Create a workspace (ftgo.yaml)"); }

}  // namespace ftgo::cli
