// wsic: the command-line front end.
#include <CLI/CLI.hpp>
#include <cstdio>

int main(int argc, char** argv) {
  CLI::App app{"wsic: simulate the Whole Systems Integrated Care rollout"};
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
