// The processes of one job under `mpirun` (docs/DISTRIBUTED.md). Every rank runs the same command
// on the same inputs; the parts that split work (training steps, evaluation, tree learning) use
// the calls below, and everything else is computed identically on every rank. Without mpirun, or
// in a build without MPI, there is one rank and every call is a no-op or a copy.
//
// Collectives must be called by every rank in the same order; the library only calls them on
// paths every rank takes (no decision that depends on a clock or a rank's own files).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace treerec::dist {

// Starts MPI when this process was launched by an MPI launcher (mpirun, srun), and does nothing
// otherwise, so one binary runs both ways. Call once, from main, before any other call here.
void init(int* argc, char*** argv);
// Ends MPI (after the last collective). Safe to call when init started nothing.
void finalize();
// Ends every rank of the job with `code` (MPI_Abort): one rank's error must not leave the others
// waiting in a collective. Returns normally only when there is one rank.
void abort_job(int code);

int rank();
int size();
inline bool root() { return rank() == 0; }
// Whether this build can run under mpirun at all (`treerec --version` says).
bool built_with_mpi();

// The contiguous block [begin, end) of [0, n) that rank r of `ranks` owns: sizes differ by at
// most one, earlier ranks get the larger blocks.
struct Block {
  std::size_t begin = 0, end = 0;
  std::size_t size() const { return end - begin; }
};
Block block_of(std::size_t n, int r, int ranks);
inline Block my_block(std::size_t n) { return block_of(n, rank(), size()); }

void barrier();
// Root's value of `flags` on every rank.
std::uint32_t broadcast_flags(std::uint32_t flags);
// `bytes` of rank `from` on every rank (resized on the others).
void broadcast(std::vector<std::byte>& bytes, int from);
// Point to point, for the ordered sum of train/ordered_reduce.
void send(std::span<const std::byte> bytes, int to);
std::vector<std::byte> receive(int from);

// Concatenates every rank's `mine`, in rank order, on every rank (one broadcast per rank, so no
// size limit).
std::vector<std::byte> allgather_bytes(std::span<const std::byte> mine);
template <class T>
std::vector<T> allgather(std::span<const T> mine) {
  const auto bytes = allgather_bytes(std::as_bytes(mine));
  std::vector<T> out(bytes.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

// All-to-all: to[s] goes to rank s; returns what each rank sent to this one (MPI_Alltoallv).
// Each rank's total must stay under 2 GiB.
std::vector<std::vector<std::byte>> exchange(const std::vector<std::vector<std::byte>>& to);

// Fails on every rank, naming `what`, unless every rank passed the same value: ranks that read
// different files (a dataset, a tree) must not train one model.
void check_same(std::uint64_t value, const std::string& what);

// Bytes this process has sent through the calls above (bench/mpi_bench.sh reads it).
std::uint64_t bytes_sent();
double communication_seconds();

}  // namespace treerec::dist
