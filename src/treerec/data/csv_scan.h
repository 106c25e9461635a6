// Low-level CSV scanning for the behaviour-log readers (SPEC §2.1): line iteration, field
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
