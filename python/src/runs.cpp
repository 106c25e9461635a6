// The long runs: joint learning (Algorithm 1: JTM, or TDM's k-means loop) and experiments.
#include <csignal>

#include "bindings.h"
#include "treerec/experiment/config_file.h"
#include "treerec/experiment/experiment_config.h"
#include "treerec/experiment/experiment_runner.h"
#include "treerec/learn/joint_learning.h"
#include "treerec/learn/kmeans_tree.h"
#include "treerec/learn/tree_learner.h"
#include "treerec/util/error.h"
#include "treerec/util/interrupt.h"
#include "treerec/util/parallel.h"

namespace treerec::python {
namespace {

// A PythonCallback's on_error for the long runs: the library's own clean stop (util/interrupt.h).
void stop_cleanly() { request_interrupt(SIGINT); }

// The stop request is process-wide: a run leaves none behind for the next one.
struct ClearInterruptAtExit {
  ~ClearInterruptAtExit() { clear_interrupt(); }
};

py::object joint(std::shared_ptr<const Dataset> dataset, std::shared_ptr<const Tree> tree, const std::string& out,
                 const std::string& method, const py::dict& params, bool resume, const py::object& log,
                 const py::object& progress) {
  JointOptions j;
  // Training's seed is `seed`; tree learning's (and k-means') is `tree_seed`, as jtm's flags.
  ParamSetter()
      .add(joint_params(), j)
      .add(train_params(), j.train)
      .add(learn_params(), j.learn, {{"tree_seed", "seed"}})
      .add(kmeans_params(), j.kmeans)
      .apply(params);
  j.train.method = !method.empty() ? method : j.relearn == Relearn::jtm ? "jtm-h" : "tdm";
  j.kmeans.seed = j.learn.seed;
  j.resume = resume;
  j.train.validate(plain_names());
  j.validate(plain_names());
  set_default_threads(j.train.threads);
  tree->check_items(dataset->item_ids(), "the dataset");

  // Ctrl-C (or an error a callback raises) stops the loop as SIGINT does the CLI's
  // (util/interrupt.h): at the next batch with a checkpoint, or before tree learning.
  PythonCallback on_log(log, 0, stop_cleanly), on_progress(progress, 0.2, stop_cleanly);
  j.log = [&](const std::string& line) { on_log({{"event", "log"}, {"line", line}}, true); };
  j.progress = [&](const TrainProgress& p) { on_progress(batch_event(p)); };
  JointResult r;
  try {
    const ClearInterruptAtExit clear;
    py::gil_scoped_release release;
    r = run_joint_learning(*dataset, *tree, j, out);
  } catch (const treerec::Interrupted&) {  // tree learning stopped after a gap, its checkpoint saved
    if (!on_log.failed() && !on_progress.failed()) throw;
  }
  on_log.rethrow();
  on_progress.rethrow();
  return to_python(r.to_json());
}

void experiment(const py::object& config, const std::string& out, const std::vector<std::string>& overrides,
                int threads, const py::object& log) {
  ConfigDocument doc = py::isinstance<py::str>(config)
                           ? read_config_document(config.cast<std::string>())
                           : parse_json_config(from_python(config).dump(), "(dict)");
  for (const std::string& a : overrides) apply_config_override(doc, a);
  ExperimentConfig c = experiment_config(doc);
  if (threads >= 0) c.threads = threads;
  // Ctrl-C stops the experiment as SIGINT does the CLI's: a training at its next batch with a
  // checkpoint, otherwise before the next method; then KeyboardInterrupt is raised.
  PythonCallback on_log(log, 0, stop_cleanly);
  ExperimentHooks hooks;
  hooks.log = [&](const std::string& line) { on_log({{"event", "log"}, {"line", line}}, true); };
  ExperimentReport report;
  try {
    const ClearInterruptAtExit clear;
    py::gil_scoped_release release;
    report = run_experiment(c, out, hooks);
  } catch (const treerec::Interrupted&) {
    if (!on_log.failed()) throw;
  }
  on_log.rethrow();
  std::string failed;
  for (const auto& m : report.methods)
    if (!m.ok()) failed += (failed.empty() ? "" : ", ") + m.name;
  if (!failed.empty()) fail("method(s) failed: ", failed, " (see ", out, "/summary.md)");
}

}  // namespace

void bind_runs(py::module_& m) {
  m.def("jtm", &joint);
  m.def("experiment", &experiment);
}

}  // namespace treerec::python
