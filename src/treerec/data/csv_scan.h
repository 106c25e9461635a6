// Low-level CSV scanning for the behaviour-log readers (ALGORITHMS §2.1): line iteration, field
// splitting with quotes, canonical integer ids and timestamp checks. Everything here works on
// raw byte ranges of a mapped file and allocates nothing on the common path.
//
// The dialect: one record per line ("\n" or "\r\n"); fields separated by one delimiter
// character; a field that starts with '"' is quoted, may hold the delimiter and doubled quotes
// (""), and must be followed by the delimiter or the line end. Quoted fields cannot span lines:
// that keeps the line numbers of error messages exact and lets blocks be split at any newline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <bit>
#include <cstring>
#include <string>
#include <string_view>

namespace treerec::csv {

// The largest accepted timestamp: 9999-12-31 23:59:59 UTC in unix seconds.
inline constexpr std::int64_t kMaxTimestamp = 253402300799;

struct Field {
  const char* data = nullptr;  // the text, without surrounding quotes
  std::size_t size = 0;
  bool escaped = false;  // holds doubled quotes: use unescape() for the value
  // Set by split_plain only: whether every byte is a digit, and their decimal value (valid
  // when digits and size <= 18).
  bool parsed = false;
  bool digits = false;
  std::uint64_t value = 0;
  std::string_view raw() const { return {data, size}; }
};

enum class SplitStatus { ok, unterminated_quote, text_after_quote };

struct SplitResult {
  std::size_t fields = 0;  // fields on the line (all of them, even beyond `capacity`)
  SplitStatus status = SplitStatus::ok;
  std::size_t bad_field = 0;  // 0-based field where a quote error was found
};

// Splits [begin, end) (one line without its line break) at `delim`. The first `capacity`
// fields are stored in `out`; the count covers every field.
SplitResult split_fields(const char* begin, const char* end, char delim, Field* out,
                         std::size_t capacity);

// SWAR helpers (eight bytes in one 64-bit word, little-endian) for the fast path below.
namespace swar {
static_assert(std::endian::native == std::endian::little, "the SWAR field scanner assumes little-endian");
inline constexpr std::uint64_t kOnes = 0x0101010101010101ull;

inline std::uint64_t load(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}
// Index of the first byte of `w` equal to the byte repeated in `pattern`, or 8.
inline unsigned find_byte(std::uint64_t w, std::uint64_t pattern) {
  const std::uint64_t t = w ^ pattern;
  const std::uint64_t z = (t - kOnes) & ~t & 0x8080808080808080ull;
  return z == 0 ? 8 : static_cast<unsigned>(std::countr_zero(z)) / 8;
}
// Whether the first `len` (1..8) bytes of `w` are ASCII digits.
inline bool all_digits(std::uint64_t w, unsigned len) {
  const std::uint64_t mask = len >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * len)) - 1;
  constexpr std::uint64_t kHighNibbles = 0xF0F0F0F0F0F0F0F0ull, kThrees = 0x3030303030303030ull;
  // A byte is a digit iff its high nibble is 3 and adding 6 keeps it so (no byte can carry).
  return ((w & kHighNibbles & mask) == (kThrees & mask)) &&
         (((w + 0x0606060606060606ull) & kHighNibbles & mask) == (kThrees & mask));
}
// The decimal value of the first `len` (1..8) bytes of `w`, all digits.
inline std::uint64_t digits_value(std::uint64_t w, unsigned len) {
  std::uint64_t v = (w - 0x3030303030303030ull) << (8 * (8 - len));  // left-pad with zeros
  v = v * 10 + (v >> 8);                                               // pairs of digits
  v = (((v & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
       (((v >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >> 32;
  return v;
}
}  // namespace swar

// The fast path for lines without quotes: splits like split_fields and parses each field as a
// decimal number on the way, eight bytes at a time. Bytes up to `limit` (>= end) may be read.
// Returns false, having stored nothing useful, if a field starts with a quote (use
// split_fields then).
inline bool split_plain(const char* begin, const char* end, const char* limit, char delim, Field* out,
                        std::size_t capacity, std::size_t* count) {
  constexpr std::uint64_t kPow10[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
  const std::uint64_t pattern = swar::kOnes * static_cast<unsigned char>(delim);
  const char* p = begin;
  std::size_t n = 0;
  for (;;) {
    if (p < end && *p == '"') return false;
    const char* q = p;  // find the end of the field
    for (;;) {
      if (q + 8 > limit) {
        while (q < end && *q != delim) ++q;
        break;
      }
      const unsigned i = swar::find_byte(swar::load(q), pattern);
      q += i;
      if (i < 8 || q >= end) break;
    }
    if (q > end) q = end;
    const auto len = static_cast<std::size_t>(q - p);
    bool digits = true;
    std::uint64_t value = 0;
    if (len >= 1 && len <= 8 && p + 8 <= limit) {
      const std::uint64_t w = swar::load(p);
      digits = swar::all_digits(w, static_cast<unsigned>(len));
      if (digits) value = swar::digits_value(w, static_cast<unsigned>(len));
    } else if (len > 8 && len <= 16 && p + 16 <= limit) {
      const std::uint64_t w1 = swar::load(p), w2 = swar::load(p + 8);
      const auto rest = static_cast<unsigned>(len - 8);
      digits = swar::all_digits(w1, 8) && swar::all_digits(w2, rest);
      if (digits) value = swar::digits_value(w1, 8) * kPow10[rest] + swar::digits_value(w2, rest);
    } else {
      for (const char* r = p; r < q; ++r) {
        const auto d = static_cast<unsigned>(static_cast<unsigned char>(*r)) - unsigned{'0'};
        digits &= d <= 9;
        value = value * 10 + d;  // wraps harmlessly: used only for up to 18 digits
      }
    }
    if (n < capacity) {
      Field& f = out[n];
      f.data = p;
      f.size = len;
      f.escaped = false;
      f.parsed = true;
      f.digits = digits;
      f.value = value;
    }
    ++n;
    if (q >= end) {
      *count = n;
      return true;
    }
    p = q + 1;  // past the delimiter
  }
}

// Appends the value of a field to `out` (doubled quotes become one).
void unescape_into(const Field& field, std::string& out);
std::string field_value(const Field& field);

// Describes a split error for a message, e.g. "field 2: quoted field is not closed ...".
std::string describe(const SplitResult& result);

struct Line {
  const char* begin;  // first byte of the line
  const char* end;    // end of its text, before "\n" or "\r\n"
  const char* next;   // first byte of the next line (or `limit`)
};

inline Line next_line(const char* p, const char* limit) {
  const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(limit - p)));
  const char* next = nl ? nl + 1 : limit;
  const char* end = nl ? nl : limit;
  if (end > p && end[-1] == '\r') --end;
  return {p, end, next};
}

// True for an empty line or one of spaces and tabs only.
inline bool is_blank(const char* begin, const char* end) {
  for (; begin < end; ++begin)
    if (*begin != ' ' && *begin != '\t' && *begin != '\r') return false;
  return true;
}

// 3 if `text` starts with a UTF-8 byte order mark, else 0.
inline std::size_t bom_size(std::string_view text) {
  return text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
}

// Parses a canonical decimal integer: 1 to 18 digits, no sign, no leading zero (except "0").
// Raw ids of this form are keyed by value; any other text is a distinct id keyed by its text,
// so "7" and "007" stay different ids.
inline bool parse_canonical_uint(const char* p, std::size_t n, std::uint64_t* value) {
  if (n == 0 || n > 18 || (p[0] == '0' && n > 1)) return false;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto d = static_cast<unsigned>(static_cast<unsigned char>(p[i]) - '0');
    if (d > 9) return false;
    v = v * 10 + d;
  }
  *value = v;
  return true;
}

enum class TimeStatus { ok, empty, not_integer, negative, too_large };

// Parses integer unix seconds in [0, kMaxTimestamp]; anything else (a sign other than '-',
// spaces, a fraction) is not an integer.
TimeStatus parse_timestamp(std::string_view text, std::int64_t* out);

// The message for a failed timestamp, e.g. "field 'timestamp' is not an integer: \"abc\"".
std::string describe_time_error(TimeStatus status, std::string_view field_name, std::string_view text);

// `text` in double quotes for a message, shortened if long.
std::string quoted(std::string_view text);

}  // namespace treerec::csv
