// The batch gradient across the ranks of an mpirun job (docs/DISTRIBUTED.md), bit-identical to
// one process's. A batch's shards are split into contiguous blocks, one per rank; one process
// adds the shard gradients left to right, so the ranks do the same in a chain: rank r receives
// the sum of every shard before its block from rank r - 1, adds its own shards in order and passes
// the sum on, and the last rank broadcasts the batch's sum to all. Every rank then takes the same
// Adam step, so the models stay identical and the result depends on neither the number of ranks
// nor the threads per rank.
#pragma once

#include "treerec/model/parameters.h"

namespace treerec {

// The sum of the shards before this rank's block (zero on rank 0), into `sum` (cleared first)
// and `loss`. Every rank but 0 waits here for its predecessor.
void receive_prefix(Gradients& sum, double& loss);
// Sends `sum` and `loss` on to the next rank; the last rank's values then reach every rank.
void pass_on_and_broadcast(Gradients& sum, double& loss);

// The wire format of a sum: loss, the dense block, then each table's touched rows (ids, values)
// in the order of first touch. Exposed for the tests.
std::vector<std::byte> encode_sum(const Gradients& sum, double loss);
void decode_sum(std::span<const std::byte> bytes, Gradients& sum, double& loss);

}  // namespace treerec
