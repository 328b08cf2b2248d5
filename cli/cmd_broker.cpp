#include "commands.hpp"

namespace ftgo::cli {

void setup_broker(CLI::App& app, Globals&) { add_unimplemented(app, "broker", "Run the embedded Kafka-compatible broker"); }

}  // namespace ftgo::cli
