#include "commands.hpp"

namespace ftgo::cli {

void setup_templates(CLI::App& app, Globals&) { add_unimplemented(app, "templates", "List the available templates"); }

}  // namespace ftgo::cli
