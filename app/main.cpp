// flowlab's entry point: a subcommand runs the headless CLI; no subcommand opens the desktop app.
#include "core/cli.hpp"

int main(int argc, char** argv) {
  return flowlab::core::runCli(argc, argv);
}
