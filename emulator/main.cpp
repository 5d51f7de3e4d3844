// minicloud: S3 + event pipeline + image processor + CDN, in one process.
// Subcommands only; each lives in emulator/cli/.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"minicloud: an offline serverless image-processing stack (S3, events, "
               "the image processor, a CDN) in one process"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(MINICLOUD_VERSION_STRING));
  cli::add_process_command(app);
  cli::add_fixtures_command(app);
  cli::add_serve_command(app);
  cli::add_migrate_command(app);
  cli::add_presign_command(app);
  cli::add_events_command(app);
  cli::add_invoke_command(app);
  cli::add_wait_command(app);
  cli::add_token_command(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
