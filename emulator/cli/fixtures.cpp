#include "cli/commands.h"
namespace cli {
void add_fixtures_command(CLI::App& app) { app.add_subcommand("fixtures", "Fixture checks (placeholder)"); }
}
