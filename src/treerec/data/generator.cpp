#include "treerec/data/generator.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "treerec/data/generator_model.h"
#include "treerec/io/atomic_file.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"

namespace treerec {

using generator_detail::HiddenModel;
using generator_detail::UserCounts;

std::uint64_t default_categories(std::uint64_t items) {
  return std::max<std::uint64_t>(1, items / kItemsPerCategory);
}

const ParamTable<GeneratorOptions>& generator_params() {
  using T = ParamType;
  constexpr double kMaxIds = UINT32_MAX;  // ids are written as 1..n and held in 32 bits
  static const ParamTable<GeneratorOptions> table = [] {
    ParamTable<GeneratorOptions> p("generating a log");
    p.add({.name = "items", .type = T::count, .help = "number of items", .min = 2, .max = kMaxIds},
          &GeneratorOptions::items)
        .add({.name = "users", .type = T::count, .help = "number of users", .min = 1, .max = kMaxIds},
             &GeneratorOptions::users)
        .add({.name = "records", .type = T::count, .help = "number of records (rows), at least users"},
             &GeneratorOptions::records)
        .add({.name = "seed", .type = T::count, .help = "seed of the generator"}, &GeneratorOptions::seed)
        .add({.name = "categories", .type = T::count,
              .help = "number of categories (0 = items / 440, at least 1, like UserBehavior)"},
             &GeneratorOptions::categories)
        .add({.name = "category_agreement", .type = T::real,
              .help = "fraction of items whose category is the one aligned with their hidden group (the rest get "
                      "another category uniformly)",
              .min = 0, .max = 1},
             &GeneratorOptions::category_agreement);
    return p;
  }();
  return table;
}

void validate_generator_options(const GeneratorOptions& o, const ParamNamer& name) {
  generator_params().check(o, name);
  if (o.records < o.users)
    fail(name("records"), " (", o.records, ") must be at least ", name("users"), " (", o.users,
         "): every user gets at least one record");
  if (o.categories > o.items)
    fail(name("categories"), " (", o.categories, ") must not exceed ", name("items"), " (", o.items, ")");
  if (o.threads < 0) fail("threads must be >= 0, got ", o.threads);
  TR_CHECK(o.chunk_records > 0 && o.stream_records > 0 && o.batch_records > 0,
           "generator tuning sizes must be positive");
}

namespace {

// The user behaviour process (docs/GENERATOR.md). Probabilities are per behaviour.
constexpr int kMaxInterests = 6;
constexpr double kInterestCountZipf = 1.5;  // P(k interests) ~ k^-1.5, k = 1..6
constexpr double kSessionSwitch = 0.6;      // re-pick the current interest at a new session
constexpr double kInSessionSwitch = 0.04;   // ... or within a session
constexpr double kDrift = 0.01;             // the current interest moves (half) or is replaced
constexpr double kNoise = 0.1;              // a fresh item comes from global popularity
constexpr double kRepeatView = 0.1;         // a pv revisits one of the last kRecent items
constexpr double kRepeatAction = 0.8;       // a cart/fav/buy acts on one of them
constexpr int kRecent = 8;
constexpr double kMeanSessionBase = 2, kMeanSessionExtra = 8;  // per user: 2 + Exp(8) rows
constexpr double kMeanGapBase = 20, kMeanGapExtra = 100;       // per user: 20 + Exp(100) s

// UserBehavior's mix: pv 89.5 %, cart 5.5 %, fav 3 %, buy 2 % (cumulative thresholds).
constexpr const char* kBehaviorNames[] = {"pv", "cart", "fav", "buy"};
constexpr std::size_t kBehaviorLengths[] = {2, 4, 3, 3};
constexpr double kBehaviorCumulative[] = {0.895, 0.95, 0.98};

double exponential(Rng& rng) { return -std::log1p(-rng.uniform01()); }

// A growable byte buffer that rows are formatted into directly.
class TextBuffer {
 public:
  char* reserve(std::size_t bytes) {
    if (size_ + bytes > data_.size()) data_.resize(std::max(2 * data_.size(), size_ + bytes));
    return data_.data() + size_;
  }
  void commit(const char* end) { size_ = static_cast<std::size_t>(end - data_.data()); }
  void clear() { size_ = 0; }
  std::size_t size() const { return size_; }
  const char* data() const { return data_.data(); }

 private:
  std::vector<char> data_;
  std::size_t size_ = 0;
};

constexpr std::size_t kMaxRowBytes = 80;  // 4 numbers of <= 20 digits, "cart", separators
constexpr std::size_t kStreamFlushBytes = 1 << 22;

struct Context {
  const GeneratorOptions& options;
  const HiddenModel& model;
  const UserCounts& counts;
  std::atomic<std::uint8_t>* seen;  // by hidden position
};

// Appends the rows of one user to `out`. With `stream` set, flushes `out` to it whenever
// it grows large, so a user with any number of rows needs bounded memory.
void generate_user(const Context& ctx, std::uint64_t user, TextBuffer& out, AtomicFile* stream) {
  const HiddenModel& model = ctx.model;
  const std::uint64_t n = ctx.counts.count(user);
  Rng rng(mix_seed(ctx.options.seed, generator_detail::kStreamUser, user));

  // Interests: how many (power law) and which (node popularity, power law).
  double interest_cdf[kMaxInterests], total = 0;
  for (int k = 0; k < kMaxInterests; ++k)
    interest_cdf[k] = total += std::pow(k + 1.0, -kInterestCountZipf);
  int num_interests = 1;
  for (const double u = rng.uniform01() * total;
       num_interests < kMaxInterests && interest_cdf[num_interests - 1] <= u;)
    ++num_interests;
  std::uint64_t interests[kMaxInterests];
  for (int k = 0; k < num_interests; ++k) interests[k] = model.sample_node(rng);
  // The first interest is the strongest: weight 1 / (k + 1).
  double weight_total = 0;
  for (int k = 0; k < num_interests; ++k) weight_total += 1.0 / (k + 1);
  const auto pick_interest = [&] {
    double u = rng.uniform01() * weight_total;
    int k = 0;
    while (k + 1 < num_interests && (u -= 1.0 / (k + 1)) >= 0) ++k;
    return k;
  };
  int current = pick_interest();

  // Sessions: their count is fixed up front, their starts are sorted uniform times drawn
  // in increasing order, and which rows start one is a uniform choice (Knuth's algorithm S).
  const double mean_session = kMeanSessionBase + kMeanSessionExtra * exponential(rng);
  const double mean_gap = kMeanGapBase + kMeanGapExtra * exponential(rng);
  const std::uint64_t sessions = std::clamp<std::uint64_t>(
      static_cast<std::uint64_t>(std::llround(static_cast<double>(n) / mean_session)), 1, n);
  std::uint64_t boundaries_left = sessions - 1, sessions_left = sessions;
  double start_fraction = 0;  // the previous session start, as a fraction of the span
  const double span = static_cast<double>(kGeneratedTimeEnd - kGeneratedTimeBegin);
  std::int64_t time = kGeneratedTimeBegin;

  std::uint64_t recent[kRecent];
  std::uint64_t recent_count = 0;

  char prefix[24];
  char* prefix_end = std::to_chars(prefix, prefix + 23, user + 1).ptr;
  *prefix_end++ = ',';
  const auto prefix_len = static_cast<std::size_t>(prefix_end - prefix);

  for (std::uint64_t i = 0; i < n; ++i) {
    const bool new_session = i == 0 || rng.uniform(n - i) < boundaries_left;
    if (new_session) {
      if (i > 0) --boundaries_left;
      // The next of `sessions_left` sorted uniforms on [start_fraction, 1).
      const double v = 1.0 - rng.uniform01();
      start_fraction +=
          (1.0 - start_fraction) * (1.0 - std::pow(v, 1.0 / static_cast<double>(sessions_left)));
      --sessions_left;
      const auto start = kGeneratedTimeBegin + static_cast<std::int64_t>(start_fraction * span);
      time = std::max(time, start);
      if (i > 0 && rng.uniform01() < kSessionSwitch) current = pick_interest();
    } else {
      time += static_cast<std::int64_t>(mean_gap * exponential(rng));
      if (rng.uniform01() < kInSessionSwitch) current = pick_interest();
    }
    time = std::min(time, kGeneratedTimeEnd - 1);

    if (rng.uniform01() < kDrift) {
      interests[current] = rng.uniform01() < 0.5 ? model.nearby_node(interests[current], rng)
                                                 : model.sample_node(rng);
    }

    const double b = rng.uniform01();
    int behavior = 0;
    while (behavior < 3 && b >= kBehaviorCumulative[behavior]) ++behavior;

    std::uint64_t position;
    const double repeat = behavior == 0 ? kRepeatView : kRepeatAction;
    if (recent_count > 0 && rng.uniform01() < repeat) {
      position = recent[rng.uniform(std::min<std::uint64_t>(recent_count, kRecent))];
    } else if (rng.uniform01() < kNoise) {
      position = model.sample_popular(rng);
    } else {
      position = model.sample_in_node(interests[current], rng);
    }
    recent[recent_count++ % kRecent] = position;
    ctx.seen[position].store(1, std::memory_order_relaxed);

    const generator_detail::Slot& slot = model.slot(position);
    char* p = out.reserve(kMaxRowBytes);
    char* const end = p + kMaxRowBytes;
    std::memcpy(p, prefix, prefix_len);
    p += prefix_len;
    p = std::to_chars(p, end, std::uint64_t{slot.item} + 1).ptr;
    *p++ = ',';
    p = std::to_chars(p, end, std::uint64_t{slot.category} + 1).ptr;
    *p++ = ',';
    std::memcpy(p, kBehaviorNames[behavior], kBehaviorLengths[behavior]);
    p += kBehaviorLengths[behavior];
    *p++ = ',';
    p = std::to_chars(p, end, time).ptr;
    *p++ = '\n';
    out.commit(p);
    if (stream != nullptr && out.size() >= kStreamFlushBytes) {
      stream->write(out.data(), out.size());
      out.clear();
    }
  }
}

// A run of consecutive users generated by one worker into one buffer.
struct Chunk {
  std::uint64_t begin, end, records;
  bool stream;  // one user too large to buffer: generated alone, straight to the file
};

std::vector<Chunk> plan_chunks(const GeneratorOptions& o, const UserCounts& counts) {
  std::vector<Chunk> chunks;
  Chunk c{0, 0, 0, false};
  for (std::uint64_t u = 0; u < o.users; ++u) {
    const std::uint64_t n = counts.count(u);
    if (n > o.stream_records) {
      if (c.end > c.begin) chunks.push_back(c);
      chunks.push_back(Chunk{u, u + 1, n, true});
      c = Chunk{u + 1, u + 1, 0, false};
      continue;
    }
    c.end = u + 1;
    c.records += n;
    if (c.records >= o.chunk_records) {
      chunks.push_back(c);
      c = Chunk{u + 1, u + 1, 0, false};
    }
  }
  if (c.end > c.begin) chunks.push_back(c);
  return chunks;
}

// Writes the truth TSV into `file` (the caller commits it).
void write_truth(const HiddenModel& model, AtomicFile& file) {
  const std::uint64_t items = model.items();
  std::vector<std::uint32_t> position_of(items);
  for (std::uint64_t pos = 0; pos < items; ++pos)
    position_of[model.slot(pos).item] = static_cast<std::uint32_t>(pos);
  const HiddenShape& shape = model.shape();
  const std::uint64_t first_leaf_code = shape.leaf_groups - 1;
  TextBuffer buf;
  const std::string_view header =
      "item\tleaf_group\tcode\tinterest_node\tcategory\thome_category\n";
  std::memcpy(buf.reserve(header.size()), header.data(), header.size());
  buf.commit(buf.data() + header.size());
  for (std::uint64_t item = 0; item < items; ++item) {
    const std::uint64_t pos = position_of[item];
    const std::uint64_t group = model.group_of(pos);
    const std::uint64_t fields[] = {item + 1,
                                    group,
                                    first_leaf_code + group,
                                    model.interest_node_of(pos),
                                    std::uint64_t{model.slot(pos).category} + 1,
                                    std::uint64_t{model.home_category(pos)} + 1};
    char* p = buf.reserve(6 * 21);
    char* const end = p + 6 * 21;
    for (const std::uint64_t f : fields) {
      p = std::to_chars(p, end, f).ptr;
      *p++ = '\t';
    }
    p[-1] = '\n';
    buf.commit(p);
    if (buf.size() >= kStreamFlushBytes) {
      file.write(buf.data(), buf.size());
      buf.clear();
    }
  }
  file.write(buf.data(), buf.size());
}

}  // namespace

GeneratorSummary generate_behavior_log(const GeneratorOptions& options_in,
                                       const std::string& out_path, const std::string& truth_path) {
  validate_generator_options(options_in);
  GeneratorOptions options = options_in;
  if (options.categories == 0) options.categories = default_categories(options.items);
  const int threads = options.threads > 0 ? options.threads : default_threads();

  const HiddenModel model(options, threads);
  const UserCounts counts(options, threads);
  const std::unique_ptr<std::atomic<std::uint8_t>[]> seen(
      new std::atomic<std::uint8_t>[options.items]());
  const Context ctx{options, model, counts, seen.get()};

  // Both files are opened before the log is generated, so a bad path fails early; the truth
  // is committed only after the log.
  AtomicFile file(out_path);
  std::unique_ptr<AtomicFile> truth;
  if (!truth_path.empty()) {
    truth = std::make_unique<AtomicFile>(truth_path);
    write_truth(model, *truth);
  }

  const std::vector<Chunk> chunks = plan_chunks(options, counts);
  std::vector<TextBuffer> buffers;
  const std::size_t max_batch_chunks = 8 * static_cast<std::size_t>(threads);
  for (std::size_t i = 0; i < chunks.size();) {
    if (chunks[i].stream) {
      TextBuffer buf;
      generate_user(ctx, chunks[i].begin, buf, &file);
      file.write(buf.data(), buf.size());
      ++i;
      continue;
    }
    // A batch: consecutive buffered chunks, generated in parallel, written in user order.
    std::size_t j = i;
    std::uint64_t batch_records = 0;
    while (j < chunks.size() && !chunks[j].stream && j - i < max_batch_chunks &&
           batch_records < options.batch_records)
      batch_records += chunks[j++].records;
    if (buffers.size() < j - i) buffers.resize(j - i);
    parallel_for(j - i, threads, 1, [&](std::size_t k) {
      TextBuffer& buf = buffers[k];
      buf.clear();
      for (std::uint64_t u = chunks[i + k].begin; u < chunks[i + k].end; ++u)
        generate_user(ctx, u, buf, nullptr);
    });
    for (std::size_t k = 0; k < j - i; ++k) file.write(buffers[k].data(), buffers[k].size());
    i = j;
  }
  file.commit();
  if (truth) truth->commit();

  GeneratorSummary summary;
  summary.rows = options.records;
  summary.users = options.users;
  summary.categories = options.categories;
  summary.shape = model.shape();
  for (std::uint64_t pos = 0; pos < options.items; ++pos)
    summary.items_used += seen[pos].load(std::memory_order_relaxed);
  return summary;
}

}  // namespace treerec
