// One function per subcommand: it adds the subcommand, its options and its callback to
// the app. Callbacks report failure by throwing CLI::RuntimeError(exit_code) after
// printing a clear message to stderr, so main() stays free of logic.
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

void add_process_command(CLI::App& app);    // process.cpp
void add_fixtures_command(CLI::App& app);   // fixtures.cpp
void add_serve_command(CLI::App& app);      // serve.cpp
void add_migrate_command(CLI::App& app);    // migrate.cpp
void add_presign_command(CLI::App& app);    // presign.cpp
void add_events_command(CLI::App& app);     // events.cpp
void add_invoke_command(CLI::App& app);     // invoke.cpp
void add_wait_command(CLI::App& app);       // wait.cpp
void add_token_command(CLI::App& app);      // token.cpp

}  // namespace cli
