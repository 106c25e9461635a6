// STUB: stands in for the tree learner (SPEC §7) developed on another branch; it returns the
// old tree unchanged so that the joint loop can be built and tested against the interface.
#include "treerec/tree/tree_learner.h"

namespace treerec {

TreeLearnResult learn_tree(const Dataset&, const Tree& old_tree, const PreferenceModel&,
                           const BehaviorFeatures&, const TreeLearnOptions&) {
  TreeLearnResult r;
  r.tree = old_tree;
  r.tree.set_builder("learned");
  r.moved_per_level.assign(old_tree.max_level() + 1, 0);
  return r;
}

}  // namespace treerec
