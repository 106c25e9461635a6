// STUB, to be dropped at merge: the members of Dataset that the tree branch uses, throwing,
// so that this branch links before dataset.cpp exists. Tests that need a real dataset skip
// when they see the "stub" message.
#include "treerec/data/dataset.h"

#include "treerec/util/error.h"

namespace treerec {

struct Dataset::Impl {};

namespace {
[[noreturn]] void stub() { fail("Dataset is a stub on this branch (dataset.cpp is not merged yet)"); }
}  // namespace

Dataset::Dataset() = default;
Dataset::~Dataset() = default;
Dataset::Dataset(Dataset&&) noexcept = default;
Dataset& Dataset::operator=(Dataset&&) noexcept = default;

Dataset Dataset::build(BehaviorLog, const PrepareOptions&) { stub(); }
Dataset Dataset::load(const std::string&) { stub(); }
void Dataset::save(const std::string&) const { stub(); }
std::uint32_t Dataset::num_items() const { stub(); }
const StringTable& Dataset::item_ids() const { stub(); }
std::span<const std::uint32_t> Dataset::item_categories() const { stub(); }

}  // namespace treerec
