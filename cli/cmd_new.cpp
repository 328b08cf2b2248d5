#include "commands.hpp"

namespace ftgo::cli {

void setup_new(CLI::App& app, Globals&) { add_unimplemented(app, "new", "Scaffold a service from a template"); }

}  // namespace ftgo::cli
