#include "treerec/train/ordered_reduce.h"

#include <cstring>

#include "treerec/util/distributed.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

template <class T>
void put(std::vector<std::byte>& out, const T* values, std::size_t count) {
  const std::size_t at = out.size();
  out.resize(at + count * sizeof(T));
  if (count > 0) std::memcpy(out.data() + at, values, count * sizeof(T));
}

struct Reader {
  std::span<const std::byte> in;
  std::size_t at = 0;
  template <class T>
  void get(T* values, std::size_t count) {
    TR_CHECK(at + count * sizeof(T) <= in.size(), "a gradient message is shorter than its contents");
    if (count > 0) std::memcpy(values, in.data() + at, count * sizeof(T));
    at += count * sizeof(T);
  }
};

}  // namespace

std::vector<std::byte> encode_sum(const Gradients& sum, double loss) {
  std::vector<std::byte> out;
  std::size_t bytes = sizeof loss + sum.dense.size() * sizeof(float);
  for (const SparseRows& t : sum.tables) bytes += 8 + t.size() * (4 + std::size_t{t.dim()} * 4);
  out.reserve(bytes);
  put(out, &loss, 1);
  put(out, sum.dense.data(), sum.dense.size());
  for (const SparseRows& t : sum.tables) {
    const std::uint64_t rows = t.size();
    put(out, &rows, 1);
    put(out, t.row_ids().data(), t.size());
    for (std::size_t i = 0; i < t.size(); ++i) put(out, t.values(i), t.dim());
  }
  return out;
}

void decode_sum(std::span<const std::byte> bytes, Gradients& sum, double& loss) {
  sum.clear();
  Reader r{bytes};
  r.get(&loss, 1);
  r.get(sum.dense.data(), sum.dense.size());
  std::vector<std::uint32_t> ids;
  std::vector<float> values;
  for (SparseRows& t : sum.tables) {
    std::uint64_t rows = 0;
    r.get(&rows, 1);
    ids.resize(rows);
    values.resize(rows * t.dim());
    r.get(ids.data(), ids.size());
    r.get(values.data(), values.size());
    for (std::size_t i = 0; i < rows; ++i) t.add(ids[i], values.data() + i * t.dim());  // first-touch order kept
  }
  TR_CHECK(r.at == bytes.size(), "a gradient message is longer than its contents");
}

void receive_prefix(Gradients& sum, double& loss) {
  sum.clear();
  loss = 0;
  if (dist::rank() == 0) return;
  decode_sum(dist::receive(dist::rank() - 1), sum, loss);
}

void pass_on_and_broadcast(Gradients& sum, double& loss) {
  const int last = dist::size() - 1;
  if (last == 0) return;
  std::vector<std::byte> bytes;
  if (dist::rank() < last) dist::send(encode_sum(sum, loss), dist::rank() + 1);
  if (dist::rank() == last) bytes = encode_sum(sum, loss);
  dist::broadcast(bytes, last);
  if (dist::rank() != last) decode_sum(bytes, sum, loss);
}

}  // namespace treerec
