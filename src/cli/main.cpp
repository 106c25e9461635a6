// treerec: tree-based deep retrieval (JTM, TDM) from the command line.
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string>

#include "cli/command.h"
#include "treerec/util/blas.h"
#include "treerec/util/distributed.h"
#include "treerec/util/error.h"
#include "treerec/util/interrupt.h"
#include "treerec/version.h"

int main(int argc, char** argv) {
  CLI::App app{"treerec: tree-based deep retrieval for recommender systems (JTM, TDM and baselines)",
               "treerec"};
  // The version, the matrix-product kernels this machine runs (what speed depends on), and
  // whether this build runs under mpirun.
  app.set_version_flag("--version", [] {
    return "treerec " + std::string(treerec::kVersion) + "\nmatrix products: " + treerec::blas_kernels() +
           "\nmpirun: " + (treerec::dist::built_with_mpi() ? "yes (Open MPI)" : "no (built without MPI)");
  });
  app.require_subcommand(1);
  app.fallthrough();
  treerec::cli::add_commands(app);
  // Under mpirun (docs/DISTRIBUTED.md) every rank runs the command; rank 0 alone prints and
  // writes files. The others keep a copy of stderr for their own errors.
  std::FILE* errors = stderr;
  int status = 0;
  try {
    treerec::dist::init(&argc, &argv);
    if (!treerec::dist::root()) {
      errors = fdopen(dup(fileno(stderr)), "w");
      if (errors == nullptr) errors = stderr;
      if (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "w", stderr)) errors = stderr;
    }
  } catch (const treerec::Error& e) {
    std::fprintf(stderr, "treerec: error: %s\n", e.what());
    return 1;
  }
  const std::string who = treerec::dist::size() > 1 ? "treerec (rank " + std::to_string(treerec::dist::rank()) + ")" : "treerec";
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    status = app.exit(e);
  } catch (const treerec::Interrupted& e) {  // stopped cleanly on SIGINT/SIGTERM, its work saved
    std::fprintf(errors, "%s: %s\n", who.c_str(), e.what());
    std::fflush(errors);
    treerec::dist::finalize();  // every rank stopped at the same batch: no abort needed
    return 128 + e.signal();
  } catch (const treerec::Error& e) {
    std::fprintf(errors, "%s: error: %s\n", who.c_str(), e.what());
    status = 1;
  } catch (const std::exception& e) {
    std::fprintf(errors, "%s: internal error: %s\n", who.c_str(), e.what());
    status = 2;
  }
  if (status != 0) {
    std::fflush(errors);
    treerec::dist::abort_job(status);  // the other ranks may be waiting in a collective
  }
  treerec::dist::finalize();
  return status;
}
