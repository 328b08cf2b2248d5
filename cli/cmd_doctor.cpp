#include "commands.hpp"

namespace ftgo::cli {

void setup_doctor(CLI::App& app, Globals&) { add_unimplemented(app, "doctor", "Check what ftgo needs and say how to fix it"); }

}  // namespace ftgo::cli
