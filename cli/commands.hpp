#pragma once
// One setup_<verb> per cmd_<verb>.cpp: each adds its subcommand to the app,
// binds flags into its own options struct and sets a callback that does the
// work through ftgo_core. Callbacks report failure by throwing ftgo::Error.
#include "app.hpp"

namespace ftgo::cli {

void setup_init(CLI::App& app, Globals& g);
void setup_doctor(CLI::App& app, Globals& g);
void setup_new(CLI::App& app, Globals& g);
void setup_templates(CLI::App& app, Globals& g);
void setup_run(CLI::App& app, Globals& g);
void setup_ps(CLI::App& app, Globals& g);
void setup_logs(CLI::App& app, Globals& g);
void setup_restart(CLI::App& app, Globals& g);
void setup_stop(CLI::App& app, Globals& g);
void setup_down(CLI::App& app, Globals& g);
void setup_broker(CLI::App& app, Globals& g);
void setup_publish(CLI::App& app, Globals& g);
void setup_tail(CLI::App& app, Globals& g);
void setup_topics(CLI::App& app, Globals& g);
void setup_groups(CLI::App& app, Globals& g);
void setup_deploy(CLI::App& app, Globals& g);
void setup_history(CLI::App& app, Globals& g);
void setup_rollback(CLI::App& app, Globals& g);

// Throws a usage error, with a "did you mean", when `service` is not part of
// the run serving `root` (restart and stop check before they ask; defined in
// cmd_restart.cpp).
void check_run_has_service(const std::filesystem::path& root, const std::string& service);

// Sets the exit code the current verb wants when it returns normally
// (e.g. doctor exits 1 when a check failed, without an error message).
void set_exit_code(int code);

}  // namespace ftgo::cli
