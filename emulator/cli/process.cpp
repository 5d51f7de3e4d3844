#include "cli/commands.h"
namespace cli {
void add_process_command(CLI::App& app) { app.add_subcommand("process", "Resize an image (placeholder)"); }
}
