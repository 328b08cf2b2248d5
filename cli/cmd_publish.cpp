#include "commands.hpp"

namespace ftgo::cli {

void setup_publish(CLI::App& app, Globals&) { add_unimplemented(app, "publish", "Put events on a topic"); }

}  // namespace ftgo::cli
