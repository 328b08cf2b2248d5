#include "commands.hpp"

namespace ftgo::cli {

void setup_tail(CLI::App& app, Globals&) { add_unimplemented(app, "tail", "Watch events on topics"); }

}  // namespace ftgo::cli
