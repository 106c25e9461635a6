// Large arrays on transparent huge pages.
//
// Embedding tables, their Adam moments and the id hash tables are hundreds of megabytes each
// and are read and written at random places: with 4 KiB pages nearly every such access is also
// a TLB miss. Linux backs memory with 2 MiB pages when asked (madvise MADV_HUGEPAGE, honoured
// in the default "madvise" THP mode), which removes most of those misses; a JTM-H training step
// at 1.2M items went from 68 to 45 ms (docs/BENCHMARKS.md). Where THP is off the advice
// is ignored and nothing else changes.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <vector>

namespace treerec {

// Blocks of at least 4 MiB are aligned to 2 MiB and advised to use huge pages; smaller ones
// come from operator new. Free with huge_page_free and the same size.
void* huge_page_alloc(std::size_t bytes);
void huge_page_free(void* p, std::size_t bytes) noexcept;
// Advises the whole 2 MiB pages inside [data, data + bytes) (memory allocated elsewhere).
void advise_huge_pages(void* data, std::size_t bytes);

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(huge_page_alloc(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { huge_page_free(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

// A std::vector whose large buffers live on huge pages.
template <typename T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace treerec
