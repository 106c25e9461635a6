// Training a preference model, loading one, retrieval, evaluation, the most-popular floor and
// tree learning (Algorithm 2) on a trained model.
#include <algorithm>
#include <chrono>
#include <filesystem>

#include "bindings.h"
#include "treerec/baselines/item_cf.h"
#include "treerec/baselines/model_kind.h"
#include "treerec/baselines/youtube_retrieval.h"
#include "treerec/baselines/youtube_trainer.h"
#include "treerec/eval/evaluate.h"
#include "treerec/eval/popularity.h"
#include "treerec/eval/validation.h"
#include "treerec/learn/joint_learning.h"
#include "treerec/learn/tree_learner.h"
#include "treerec/search/item_filter.h"
#include "treerec/search/model_retrieval.h"
#include "treerec/train/trainer.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"

namespace treerec::python {
namespace {

using U32Array = py::array_t<std::uint32_t, py::array::c_style | py::array::forcecast>;
using U64Array = py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast>;

// Queries as CSR: query q is items[offsets[q] .. offsets[q+1]), dense ids, oldest first.
class ArrayHistories final : public QueryHistories {
 public:
  ArrayHistories(const U32Array& items, const U64Array& offsets, std::uint32_t num_items, const char* what)
      : items_(items.data(), static_cast<std::size_t>(items.size())),
        offsets_(offsets.data(), static_cast<std::size_t>(offsets.size())) {
    if (offsets_.empty() || offsets_.front() != 0 || offsets_.back() != items_.size())
      fail(what, ": offsets must start at 0 and end at the number of items (", items_.size(), ")");
    for (std::size_t q = 0; q + 1 < offsets_.size(); ++q)
      if (offsets_[q] > offsets_[q + 1]) fail(what, ": offsets must not decrease (at ", q, ")");
    for (const std::uint32_t i : items_)
      if (i >= num_items) fail(what, ": item ", i, " out of range (", num_items, " items)");
  }
  std::size_t size() const override { return offsets_.size() - 1; }
  std::span<const std::uint32_t> history(std::uint32_t q) const override {
    return items_.subspan(offsets_[q], offsets_[q + 1] - offsets_[q]);
  }

 private:
  std::span<const std::uint32_t> items_;
  std::span<const std::uint64_t> offsets_;
};

// Item-CF and the YouTube product-DNN, as `treerec train --method itemcf|youtube`. YouTube
// training has no batch callback: Ctrl-C stops it at the end of an epoch, without a checkpoint.
std::shared_ptr<Model> train_baseline(std::shared_ptr<const Dataset> dataset, const std::string& method,
                                      const py::dict& params, const std::string& out, std::uint32_t valid_users,
                                      const py::object& progress) {
  if (method == "itemcf") {
    ItemCfOptions o;
    ParamSetter().add(itemcf_params(), o).apply(params);
    py::gil_scoped_release release;
    ItemCf::build(*dataset, o).save(out);
  } else {
    YoutubeTrainOptions o;
    ParamSetter().add(youtube_params(), o).apply(params);
    o.validate(plain_names());
    YoutubeTrainer t(*dataset, o);
    const std::vector<std::uint32_t> valid = validation_users(*dataset, valid_users, o.seed);
    if (!valid.empty()) t.on_validate(youtube_validator(*dataset, valid, 200, o.threads));
    PythonCallback report(progress, 0, nullptr);
    t.on_epoch_end([&](const YoutubeEpoch& e) -> nlohmann::json {
      nlohmann::json event{{"event", "epoch"}, {"epoch", e.epoch + 1}, {"epochs", o.epochs}, {"loss", e.loss},
                           {"seconds", e.seconds}, {"validated", e.validated}, {"best_epoch", e.best_epoch}};
      if (e.validated) event["valid_recall@200"] = e.score;
      report(event, true);
      if (report.failed()) throw Interrupted{};  // unwinds run(); report.rethrow() raises it below
      return nullptr;
    });
    try {
      py::gil_scoped_release release;
      t.run();
    } catch (const Interrupted&) {
    }
    report.rethrow();
    py::gil_scoped_release release;
    t.save(out, {{"valid_users", valid_users}, {"python", true}});
  }
  return load_model(out, std::move(dataset), nullptr);
}

std::shared_ptr<Model> train(std::shared_ptr<const Dataset> dataset, std::shared_ptr<const Tree> tree,
                             const std::string& method, const py::dict& params, const std::string& out, bool resume,
                             std::uint32_t valid_users, const std::shared_ptr<Model>& init, const py::object& progress) {
  if (method_named(method).model == ModelKind::itemcf || method_named(method).model == ModelKind::youtube)
    return train_baseline(std::move(dataset), method, params, out, valid_users, progress);
  if (!tree) fail("method ", method, " trains on a tree: give one");
  TrainOptions o;
  o.method = method;
  ParamSetter().add(train_params(), o).apply(params);
  o.validate(plain_names());
  o.checkpoint_path = out + ".ckpt";
  const bool have_checkpoint = std::filesystem::exists(o.checkpoint_path);
  if (have_checkpoint && !resume)
    fail(o.checkpoint_path, " holds an interrupted run for ", out,
         ": pass resume=True to continue it, or delete it to start over");
  if (init) {
    if (init->dataset->item_ids().size() != dataset->item_ids().size())
      fail("init_model was trained on another dataset (", init->dataset->num_items(), " items, not ",
           dataset->num_items(), ")");
    if (!params.contains("model")) o.model = init->trained.model->kind();
    if (!params.contains("embedding_dim")) o.embedding_dim = init->trained.model->config().embedding_dim;
  }
  set_default_threads(o.threads);

  auto trainer = std::make_unique<Trainer>(*dataset, *tree, o);
  Trainer& t = *trainer;
  if (init) t.warm_start(*init->trained.model, *init->tree);
  if (have_checkpoint) t.resume();
  const TrainOptions& used = t.options();
  // Validation as `treerec train` does it: recall@200 on a seeded sample of validation users.
  const std::vector<std::uint32_t> valid = validation_users(*dataset, valid_users, used.seed);
  ValidationOptions vo;
  vo.brute_force = t.method().brute_force;
  vo.path_sum = t.method().hsm;
  vo.threads = used.threads;
  if (!valid.empty()) t.on_validate(tree_validator(*dataset, *tree, valid, vo));

  PythonCallback report(progress, 0.2, [&t] { t.request_stop(); });
  t.on_progress([&](const TrainProgress& p) {
    report(batch_event(p));
  });
  t.on_epoch_end([&](const EpochSummary& s) -> nlohmann::json {
    nlohmann::json e{{"event", "epoch"},    {"epoch", s.epoch + 1},      {"epochs", used.epochs},
                     {"loss", s.loss},      {"seconds", s.seconds},      {"validated", s.validated},
                     {"best_epoch", s.best_epoch}, {"stop", s.stop}};
    if (s.validated) e["valid_recall@200"] = s.score;
    if (s.popular_overlap >= 0) e["popular_overlap"] = s.popular_overlap;
    report(e, true);
    if (s.popularity_only) report.warn(popularity_warning(s.popular_overlap, used.popular_overlap_warning));
    return nullptr;
  });
  bool done = false;
  {
    py::gil_scoped_release release;
    done = t.run();
  }
  report.rethrow();  // KeyboardInterrupt: the checkpoint of the last batch is on disk
  if (!done) fail("training stopped before its end (max_batches); resume=True continues it");
  nlohmann::json record = {{"valid_users", valid_users}, {"python", true}};
  {
    py::gil_scoped_release release;
    t.save(out, record);
  }
  return load_model(out, std::move(dataset), std::move(tree));
}

// The top lists of an Item-CF or YouTube model (exact inner products).
RankedLists baseline_lists(const Model& m, const QueryHistories& histories, std::uint32_t top, int threads) {
  if (m.itemcf) {
    ItemCfRetrieveOptions ro;
    ro.top = top;
    ro.threads = threads;
    return m.itemcf->retrieve(histories, ro);
  }
  YoutubeRetrieveOptions ro;
  ro.top = top;
  ro.threads = threads;
  return youtube_retrieve_exact(*m.youtube->model, histories, ro);
}

py::tuple retrieve(const Model& m, const U32Array& items, const U64Array& offsets, std::uint32_t top,
                   std::uint32_t beam, bool brute_force, const py::object& exclude_items,
                   const py::object& exclude_offsets, int threads, const RawFilter& rule) {
  const ArrayHistories histories(items, offsets, m.dataset->num_items(), "behaviors");
  std::unique_ptr<ArrayHistories> exclude;
  U32Array ex_items;
  U64Array ex_offsets;
  std::uint32_t longest_exclusion = 0;
  if (!exclude_items.is_none()) {
    ex_items = exclude_items.cast<U32Array>();
    ex_offsets = exclude_offsets.cast<U64Array>();
    exclude = std::make_unique<ArrayHistories>(ex_items, ex_offsets, m.dataset->num_items(), "exclude");
    if (exclude->size() != histories.size())
      fail("exclude has ", exclude->size(), " lists for ", histories.size(), " queries");
    for (std::uint32_t q = 0; q < exclude->size(); ++q)
      longest_exclusion = std::max(longest_exclusion, static_cast<std::uint32_t>(exclude->history(q).size()));
  }
  RetrievalOptions ro;
  ro.top = top;
  ro.beam = beam;
  ro.brute_force = brute_force || m.method.brute_force;
  ro.path_sum = m.method.hsm;
  ro.threads = threads;
  retrieval_params().check(ro, plain_names());
  std::unique_ptr<ItemFilter> filter;
  if (!rule.empty()) {  // inside the search (search/item_filter.h)
    if (m.itemcf || m.youtube)
      fail("categories, exclude_categories and filter_items filter inside beam search or brute force: they apply "
           "to tree models and dnn, not to itemcf or youtube");
    const FilterSpec spec = filter_spec(*m.dataset, rule);
    if (!m.category_summary)
      m.category_summary =
          std::make_shared<CategorySummary>(*m.tree, m.dataset->item_categories(), m.dataset->num_categories());
    filter = std::make_unique<ItemFilter>(m.category_summary, spec);
    ro.filter = filter.get();
  }
  RankedLists lists;
  {
    py::gil_scoped_release release;
    if (m.itemcf || m.youtube) {
      lists = baseline_lists(m, histories, top + longest_exclusion, threads);
      if (exclude) lists = without_excluded(lists, [&](std::uint32_t q) { return exclude->history(q); }, top);
    } else {
      ExcludeFn ex;
      if (exclude) ex = [&](std::uint32_t q) { return exclude->history(q); };
      lists = treerec::retrieve(*m.trained.model, m.features, *m.tree, histories, ro, ex);
    }
  }
  return py::make_tuple(as_array(std::move(lists.items)), as_array(std::move(lists.scores)),
                        as_array(std::move(lists.offsets)));
}

EvaluateOptions evaluate_options(const std::string& split, std::uint32_t top, std::uint32_t beam,
                                 std::uint32_t max_users, std::uint64_t seed, int threads, bool exclude_seen) {
  EvaluateOptions o;
  o.exclude_seen = exclude_seen;
  if (split == "valid") o.split = Split::valid;
  else if (split == "test") o.split = Split::test;
  else fail("unknown split '", split, "'; expected valid or test");
  o.top = top;
  o.beam = beam;
  o.max_users = max_users;
  o.sample_seed = seed;
  o.threads = threads;
  RetrievalOptions ro;
  ro.top = top;
  ro.beam = beam;
  retrieval_params().check(ro, plain_names());
  return o;
}

py::object result_of(const EvaluateResult& r) {
  nlohmann::json j = r.metrics.json();
  j["seconds"] = r.seconds;
  j["nodes_scored_per_user"] = r.nodes_scored_per_user;
  j["popular_overlap"] = r.popular_overlap;
  j["coverage"] = r.coverage;
  return to_python(j);
}

}  // namespace

std::shared_ptr<Model> load_model(const std::string& path, std::shared_ptr<const Dataset> dataset,
                                  std::shared_ptr<const Tree> tree) {
  auto m = std::make_shared<Model>();
  const ModelKind kind = model_file_kind(path);
  {
    py::gil_scoped_release release;
    if (kind == ModelKind::itemcf) {
      auto cf = std::make_shared<ItemCf>(ItemCf::load(path));
      cf->check_dataset(*dataset, "the dataset");
      m->itemcf = std::move(cf);
      m->method = method_named("itemcf");
    } else if (kind == ModelKind::youtube) {
      auto y = std::make_shared<TrainedYoutube>(load_youtube_model(path));
      y->check_dataset(*dataset, "the dataset");
      m->youtube = std::move(y);
      m->method = method_named("youtube");
    } else {
      if (!tree) fail(path, " is a tree model: give the tree it was trained on");
      m->trained = load_trained_model(path);
      tree->check_items(dataset->item_ids(), "the dataset");
      m->features = trained_model_features(m->trained, *tree, path, "the tree");
      m->method = training_method(m->trained.info.method);
      m->tree = std::move(tree);
    }
  }
  m->dataset = std::move(dataset);
  return m;
}

void bind_models(py::module_& m) {
  py::class_<Model, std::shared_ptr<Model>>(m, "Model")
      .def_property_readonly("method", [](const Model& x) { return x.method.name; })
      .def_property_readonly("history",
                             [](const Model& x) {
                               if (x.youtube) return to_python(x.youtube->training.value("history", nlohmann::json::array()));
                               if (x.itemcf) return to_python(nlohmann::json::array());
                               return to_python(x.trained.info.history);
                             })
      .def_property_readonly("info",
                             [](const Model& x) {
                               if (x.youtube) return to_python(x.youtube->training);
                               if (x.itemcf) return to_python({{"method", "itemcf"}, {"figures", x.itemcf->figures()}});
                               return to_python(x.trained.info.to_json());
                             })
      .def_property_readonly("dataset", [](const Model& x) { return std::const_pointer_cast<Dataset>(x.dataset); })
      .def_property_readonly("tree", [](const Model& x) { return std::const_pointer_cast<Tree>(x.tree); })
      .def("save",
           [](const Model& x, const std::string& path) {
             py::gil_scoped_release release;
             if (x.itemcf) x.itemcf->save(path);
             else if (x.youtube) save_youtube_model(path, *x.youtube->model, x.youtube->training);
             else save_trained_model(path, *x.trained.model, x.trained.info);
           })
      .def_property_readonly("parameters_fingerprint",
                             [](const Model& x) {
                               if (!x.trained.model) fail("parameters_fingerprint is a tree or dnn model's");
                               return parameters_fingerprint(x.trained.model->parameters());
                             })
      .def("retrieve_codes",
           [](const Model& x, const U32Array& items, const U64Array& offsets, std::uint32_t top, std::uint32_t beam,
              bool brute_force, const py::object& exclude_items, const py::object& exclude_offsets, int threads,
              std::vector<std::string> categories, std::vector<std::string> exclude_categories,
              std::vector<std::string> filter_items) {
             RawFilter rule{std::move(categories), std::move(exclude_categories), std::move(filter_items)};
             return retrieve(x, items, offsets, top, beam, brute_force, exclude_items, exclude_offsets, threads, rule);
           })
      .def("evaluate",
           [](const Model& x, const std::string& split, std::uint32_t top, std::uint32_t beam,
              std::uint32_t max_users, std::uint64_t seed, int threads, bool exclude_seen) {
             EvaluateOptions o = evaluate_options(split, top, beam, max_users, seed, threads, exclude_seen);
             o.brute_force = x.method.brute_force;
             o.path_sum = x.method.hsm;
             py::gil_scoped_release release;
             EvaluateResult r;
             if (x.itemcf || x.youtube) {  // as `treerec evaluate` does for them: the same users and metrics
               const auto t0 = std::chrono::steady_clock::now();
               const std::vector<std::uint32_t> users = evaluation_users(*x.dataset, o.split, o.max_users, o.sample_seed);
               const RankedLists lists = lists_of_ranker(*x.dataset, users, top, exclude_seen, [&](std::uint32_t depth) {
                 return baseline_lists(x, EvalUserHistories(*x.dataset, users), depth, threads);
               });
               r = measure_result(*x.dataset, users, lists, top);
               r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
             } else {
               r = evaluate(*x.dataset, *x.tree, *x.trained.model, x.features, o);
             }
             py::gil_scoped_acquire gil;
             return result_of(r);
           })
      .def("learn_tree", [](const Model& x, const py::dict& params) {
        if (!x.tree) fail("tree learning needs a tree method's model, not ", x.method.name, "'s");
        TreeLearnOptions o;
        ParamSetter().add(learn_params(), o).apply(params);
        TreeLearnResult r;
        {
          py::gil_scoped_release release;
          r = learn_tree(*x.dataset, *x.tree, *x.trained.model, x.features, o);
        }
        nlohmann::json stats = r.to_json();
        return py::make_tuple(std::make_shared<Tree>(std::move(r.tree)), to_python(stats));
      });
  m.def("load_model", &load_model);
  m.def("train", &train);
  m.def("evaluate_popular", [](const Dataset& d, const std::string& split, std::uint32_t top, std::uint32_t max_users,
                               std::uint64_t seed, bool exclude_seen) {
    const EvaluateOptions o = evaluate_options(split, top, top, max_users, seed, 0, exclude_seen);
    py::gil_scoped_release release;
    const EvaluateResult r = evaluate_popularity(d, o);
    py::gil_scoped_acquire gil;
    return result_of(r);
  });
  // What train() trains: the methods of `treerec train --method`.
  m.def("method_names", [] {
    return method_names(train_command_takes);
  });
}

}  // namespace treerec::python
