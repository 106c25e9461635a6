#include "treerec/util/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace treerec {
namespace {
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kHugeMin = std::size_t{4} << 20;
}  // namespace

void* huge_page_alloc(std::size_t bytes) {
  if (bytes < kHugeMin) return ::operator new(bytes);
  const std::size_t size = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, size);
  if (p == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  ::madvise(p, size, MADV_HUGEPAGE);  // only a hint
#endif
  return p;
}

void huge_page_free(void* p, std::size_t bytes) noexcept {
  if (bytes < kHugeMin) {
    ::operator delete(p);
  } else {
    std::free(p);
  }
}

void advise_huge_pages(void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  if (bytes < 2 * kHugePage) return;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + kHugePage - 1) / kHugePage * kHugePage;
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) / kHugePage * kHugePage;
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace treerec
