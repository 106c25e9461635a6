#include "treerec/util/distributed.h"

#include <chrono>
#include <climits>
#include <cstdlib>

#include "treerec/util/error.h"

#ifdef TREEREC_MPI
#include <mpi.h>
#endif

namespace treerec::dist {
namespace {

int g_rank = 0;
int g_size = 1;
[[maybe_unused]] bool g_started = false;  // MPI_Init ran here (MPI builds)
std::uint64_t g_bytes_sent = 0;
double g_seconds = 0;

// Messages go in pieces of at most this many bytes: MPI counts are ints.
[[maybe_unused]] constexpr std::size_t kPiece = std::size_t{1} << 30;

struct Timed {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  ~Timed() { g_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); }
};

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(name) != nullptr) return true;
  return false;
}

#ifdef TREEREC_MPI
void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) fail("MPI: ", what, " failed (error ", rc, ")");
}
int as_int(std::size_t n) { return static_cast<int>(n); }
#endif

}  // namespace

bool built_with_mpi() {
#ifdef TREEREC_MPI
  return true;
#else
  return false;
#endif
}

void init(int* argc, char*** argv) {
  if (!launched_by_mpi()) return;
#ifdef TREEREC_MPI
  int provided = 0;
  // Only the main thread calls MPI; the thread pool never does.
  check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  g_started = true;
  // Errors come back as codes (turned into treerec::Error above), not as aborts inside MPI.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
#else
  (void)argc;
  (void)argv;
  const char* n = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (n != nullptr && std::atoi(n) > 1)
    fail("this treerec was built without MPI, so it cannot run under mpirun with ", n,
         " ranks: install libopenmpi-dev (scripts/setup.sh) and rebuild");
#endif
}

void finalize() {
#ifdef TREEREC_MPI
  if (g_started) MPI_Finalize();
  g_started = false;
#endif
}

void abort_job(int code) {
#ifdef TREEREC_MPI
  if (g_started && g_size > 1) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  (void)code;
}

int rank() { return g_rank; }
int size() { return g_size; }

Block block_of(std::size_t n, int r, int ranks) {
  const std::size_t q = n / static_cast<std::size_t>(ranks), rem = n % static_cast<std::size_t>(ranks);
  const std::size_t i = static_cast<std::size_t>(r);
  const std::size_t begin = i * q + std::min(i, rem);
  return {begin, begin + q + (i < rem ? 1 : 0)};
}

void barrier() {
#ifdef TREEREC_MPI
  if (g_size == 1) return;
  Timed t;
  check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
#endif
}

std::uint32_t broadcast_flags(std::uint32_t flags) {
#ifdef TREEREC_MPI
  if (g_size == 1) return flags;
  Timed t;
  check(MPI_Bcast(&flags, 1, MPI_UINT32_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
  if (g_rank == 0) g_bytes_sent += sizeof flags;
#endif
  return flags;
}

void broadcast(std::vector<std::byte>& bytes, int from) {
#ifdef TREEREC_MPI
  if (g_size == 1) return;
  Timed t;
  std::uint64_t n = bytes.size();
  check(MPI_Bcast(&n, 1, MPI_UINT64_T, from, MPI_COMM_WORLD), "MPI_Bcast");
  bytes.resize(n);
  for (std::size_t off = 0; off < n; off += kPiece)
    check(MPI_Bcast(bytes.data() + off, as_int(std::min(kPiece, n - off)), MPI_BYTE, from, MPI_COMM_WORLD), "MPI_Bcast");
  if (g_rank == from) g_bytes_sent += n;
#else
  (void)bytes;
  (void)from;
#endif
}

void send(std::span<const std::byte> bytes, int to) {
#ifdef TREEREC_MPI
  Timed t;
  const std::uint64_t n = bytes.size();
  check(MPI_Send(&n, 1, MPI_UINT64_T, to, 0, MPI_COMM_WORLD), "MPI_Send");
  for (std::size_t off = 0; off < n; off += kPiece)
    check(MPI_Send(bytes.data() + off, as_int(std::min(kPiece, n - off)), MPI_BYTE, to, 1, MPI_COMM_WORLD), "MPI_Send");
  g_bytes_sent += n;
#else
  (void)bytes;
  fail("send to rank ", to, " without MPI");
#endif
}

std::vector<std::byte> receive(int from) {
#ifdef TREEREC_MPI
  Timed t;
  std::uint64_t n = 0;
  check(MPI_Recv(&n, 1, MPI_UINT64_T, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
  std::vector<std::byte> bytes(n);
  for (std::size_t off = 0; off < n; off += kPiece)
    check(MPI_Recv(bytes.data() + off, as_int(std::min(kPiece, n - off)), MPI_BYTE, from, 1, MPI_COMM_WORLD,
                   MPI_STATUS_IGNORE),
          "MPI_Recv");
  return bytes;
#else
  fail("receive from rank ", from, " without MPI");
#endif
}

std::vector<std::byte> allgather_bytes(std::span<const std::byte> mine) {
  std::vector<std::byte> all(mine.begin(), mine.end());
#ifdef TREEREC_MPI
  if (g_size == 1) return all;
  // One broadcast per rank, in rank order: no int limit on sizes, and the same bytes on the wire
  // as a ring allgather's (each rank's block reaches every other rank once).
  all.clear();
  for (int r = 0; r < g_size; ++r) {
    std::vector<std::byte> part;
    if (r == g_rank) part.assign(mine.begin(), mine.end());
    broadcast(part, r);
    all.insert(all.end(), part.begin(), part.end());
  }
#endif
  return all;
}

std::vector<std::vector<std::byte>> exchange(const std::vector<std::vector<std::byte>>& to) {
  TR_CHECK(to.size() == static_cast<std::size_t>(g_size), "exchange() needs one buffer per rank");
  if (g_size == 1) return to;
#ifdef TREEREC_MPI
  Timed t;
  const auto n = static_cast<std::size_t>(g_size);
  std::vector<int> send_counts(n), send_displs(n), recv_counts(n), recv_displs(n);
  std::vector<std::byte> out;
  for (std::size_t r = 0; r < n; ++r) {
    if (out.size() + to[r].size() > static_cast<std::size_t>(INT_MAX))
      fail("a rank has more than 2 GiB to send in one exchange");
    send_displs[r] = static_cast<int>(out.size());
    send_counts[r] = static_cast<int>(to[r].size());
    out.insert(out.end(), to[r].begin(), to[r].end());
    if (r != static_cast<std::size_t>(g_rank)) g_bytes_sent += to[r].size();
  }
  check(MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Alltoall");
  std::size_t total = 0;
  for (std::size_t r = 0; r < n; ++r) {
    if (total + static_cast<std::size_t>(recv_counts[r]) > static_cast<std::size_t>(INT_MAX))
      fail("a rank has more than 2 GiB to receive in one exchange");
    recv_displs[r] = static_cast<int>(total);
    total += static_cast<std::size_t>(recv_counts[r]);
  }
  std::vector<std::byte> in(total);
  check(MPI_Alltoallv(out.data(), send_counts.data(), send_displs.data(), MPI_BYTE, in.data(), recv_counts.data(),
                      recv_displs.data(), MPI_BYTE, MPI_COMM_WORLD),
        "MPI_Alltoallv");
  std::vector<std::vector<std::byte>> from(n);
  for (std::size_t r = 0; r < n; ++r)
    from[r].assign(in.begin() + recv_displs[r], in.begin() + recv_displs[r] + recv_counts[r]);
  return from;
#else
  return to;
#endif
}

void check_same(std::uint64_t value, const std::string& what) {
  if (g_size == 1) return;
  const std::span<const std::uint64_t> mine(&value, 1);
  const std::vector<std::uint64_t> all = allgather(mine);
  for (int r = 1; r < g_size; ++r)
    if (all[static_cast<std::size_t>(r)] != all[0])
      fail("rank ", r, " of ", g_size, " has other ", what, " than rank 0: every rank must be given the same files");
}

std::uint64_t bytes_sent() { return g_bytes_sent; }
double communication_seconds() { return g_seconds; }

}  // namespace treerec::dist
