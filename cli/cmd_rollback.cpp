#include "commands.hpp"

namespace ftgo::cli {

void setup_rollback(CLI::App& app, Globals&) { add_unimplemented(app, "rollback", "Make an earlier release live again"); }

}  // namespace ftgo::cli
