// treerec: tree-based deep retrieval (JTM, TDM) from the command line.
#include <cstdio>
#include <exception>

#include "cli/command.h"
#include "treerec/util/blas.h"
#include "treerec/util/error.h"
#include "treerec/version.h"

int main(int argc, char** argv) {
  CLI::App app{"treerec: tree-based deep retrieval for recommender systems (JTM, TDM and baselines)",
               "treerec"};
  // The version, and the matrix-product kernels this machine runs (what speed depends on).
  app.set_version_flag("--version", [] {
    return "treerec " + std::string(treerec::kVersion) + "\nmatrix products: " + treerec::blas_kernels();
  });
  app.require_subcommand(1);
  app.fallthrough();
  treerec::cli::add_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const treerec::Error& e) {
    std::fprintf(stderr, "treerec: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "treerec: internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}
