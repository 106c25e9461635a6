#include "cli/train_flags.h"

#include "cli/command.h"

namespace treerec::cli {

CLI::Option* add_train_flags(CLI::App* cmd, TrainOptions& t, std::string& layer_negatives) {
  cmd->add_option("--model", t.model, "preference model: dnn (MLP 128-64-24) or attention")
      ->check(CLI::IsMember({"dnn", "attention"}))
      ->capture_default_str();
  auto* epochs = cmd->add_option("--epochs", t.epochs,
                                 "most passes over the training samples (fewer when early stopping ends the run)")
                     ->check(CLI::PositiveNumber)
                     ->capture_default_str();
  cmd->add_option("--patience", t.patience,
                  "stop when validation recall@200 has not beaten the best epoch by more than --min-delta for "
                  "this many epochs, and keep the best epoch's model (0 = train every epoch, keep the last)")
      ->capture_default_str();
  cmd->add_option("--min-delta", t.min_delta, "smallest rise of validation recall that counts as progress")
      ->capture_default_str();
  cmd->add_option("--batch", t.batch_size, "samples per optimizer step (256 as in the PyTorch reference)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--negatives", t.negatives,
                  "negatives per sample: spread over the levels, more on deeper ones (tree methods), or drawn "
                  "from the whole corpus (dnn)")
      ->capture_default_str();
  cmd->add_option("--layer-negatives", layer_negatives,
                  "tree methods: negatives per level k1,...,kL for levels 1..l_max (overrides --negatives)");
  cmd->add_option("--lr", t.learning_rate, "Adam learning rate")->capture_default_str();
  cmd->add_option("--lr-decay", t.lr_decay, "learning-rate factor after every epoch")->capture_default_str();
  cmd->add_option("--embedding-dim", t.embedding_dim, "embedding size (input 11x this)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--seed", t.seed, "seed of initialisation, sample order and negatives")->capture_default_str();
  add_threads_option(cmd, t.threads);
  cmd->add_option("--shard-samples", t.shard_samples,
                  "samples per gradient shard, the unit of parallel work (the model depends on it, never on "
                  "--threads)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--checkpoint-every", t.checkpoint_every,
                  "write the checkpoint every N batches (default 0: about every 2 minutes) and after every epoch")
      ->capture_default_str();
  return epochs;
}

}  // namespace treerec::cli
