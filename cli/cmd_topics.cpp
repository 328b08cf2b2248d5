#include "commands.hpp"

namespace ftgo::cli {

void setup_topics(CLI::App& app, Globals&) { add_unimplemented(app, "topics", "List, create, delete or describe topics"); }

}  // namespace ftgo::cli
