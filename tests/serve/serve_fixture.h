// Files for the serving tests: the tiny dataset's category tree (24 items with raw ids
// "i0".."i23", item "iN" of category "c(N % 3)"), the same tree without its categories, and random trained-model files of several methods (a random model ranks
// arbitrarily but deterministically, which is all that checking the service needs).
#pragma once

#include <string>

#include "eval/eval_fixture.h"
#include "test_util.h"

namespace treerec::test {

struct ServeFiles {
  explicit ServeFiles(const TempDir& dir)
      : tree(dir.file("t.tree")), plain_tree(dir.file("plain.tree")), jtm(dir.file("jtm.model")), jtm2(dir.file("jtm2.model")),
        tdm(dir.file("tdm.model")), dnn(dir.file("dnn.model")) {
    const Dataset d = tiny_dataset();
    Tree t = build_category_tree(d.item_categories(), d.item_ids());
    t.save(plain_tree);
    t.set_categories(d.item_categories(), d.category_ids());
    t.save(tree);
    save_random_model(jtm, "jtm-h", t, 11, "attention");
    save_random_model(jtm2, "jtm-h", t, 12, "attention");
    save_random_model(tdm, "tdm", t, 13);
    save_random_model(dnn, "dnn", t, 14);
  }
  std::string tree, plain_tree, jtm, jtm2, tdm, dnn;
};

}  // namespace treerec::test
