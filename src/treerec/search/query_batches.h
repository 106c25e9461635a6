// The batching both retrieval methods share (internal): queries are cut into batches, each
// thread takes a contiguous run of batches and makes one worker for all of them, so scorer
// state is reused across batches.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>

#include "treerec/search/ranked_lists.h"
#include "treerec/util/parallel.h"

namespace treerec::detail {

// make_worker() -> a worker with run(first, queries, exclude, out).
template <typename MakeWorker>
RankedLists search_in_batches(std::span<const std::uint32_t> queries, std::size_t batch,
                              std::uint32_t top, int threads, const ExcludeFn& exclude,
                              const MakeWorker& make_worker) {
  RankedListsBuilder out(queries.size(), top);
  const std::size_t batches = (queries.size() + batch - 1) / batch;
  parallel_blocks(batches, threads, [&](int, std::size_t begin, std::size_t end) {
    if (begin == end) return;
    auto worker = make_worker();
    for (std::size_t b = begin; b < end; ++b) {
      const std::size_t first = b * batch;
      const std::size_t count = std::min(batch, queries.size() - first);
      worker.run(first, queries.subspan(first, count), exclude, out);
    }
  });
  return std::move(out).finish();
}

}  // namespace treerec::detail
