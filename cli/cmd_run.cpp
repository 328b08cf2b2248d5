#include "commands.hpp"

namespace ftgo::cli {

void setup_run(CLI::App& app, Globals&) { add_unimplemented(app, "run", "Start the local Kafka and every service"); }

}  // namespace ftgo::cli
