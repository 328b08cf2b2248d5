#include "commands.hpp"

namespace ftgo::cli {

void setup_logs(CLI::App& app, Globals&) { add_unimplemented(app, "logs", "Show a service's logs"); }

}  // namespace ftgo::cli
