#include "treerec/data/csv_scan.h"

#include <charconv>
#include <system_error>

#include "treerec/util/error.h"

namespace treerec::csv {

SplitResult split_fields(const char* begin, const char* end, char delim, Field* out,
                         std::size_t capacity) {
  SplitResult r;
  const char* p = begin;
  for (;;) {
    Field f;
    if (p < end && *p == '"') {
      const char* s = p + 1;
      for (;;) {
        const auto* q = static_cast<const char*>(std::memchr(s, '"', static_cast<std::size_t>(end - s)));
        if (q == nullptr) {
          r.status = SplitStatus::unterminated_quote;
          r.bad_field = r.fields;
          return r;
        }
        if (q + 1 < end && q[1] == '"') {  // a doubled quote inside the field
          f.escaped = true;
          s = q + 2;
          continue;
        }
        f.data = p + 1;
        f.size = static_cast<std::size_t>(q - (p + 1));
        p = q + 1;
        break;
      }
      if (p < end && *p != delim) {
        r.status = SplitStatus::text_after_quote;
        r.bad_field = r.fields;
        return r;
      }
    } else {
      // Fields are short (ids, timestamps): a plain loop beats a memchr call per field.
      const char* q = p;
      while (q < end && *q != delim) ++q;
      f.data = p;
      f.size = static_cast<std::size_t>(q - p);
      p = q;
    }
    if (r.fields < capacity) out[r.fields] = f;
    ++r.fields;
    if (p >= end) return r;
    ++p;  // the delimiter
  }
}

void unescape_into(const Field& field, std::string& out) {
  if (!field.escaped) {
    out.append(field.data, field.size);
    return;
  }
  for (std::size_t i = 0; i < field.size; ++i) {
    out.push_back(field.data[i]);
    if (field.data[i] == '"') ++i;  // skip the second quote of a pair
  }
}

std::string field_value(const Field& field) {
  std::string s;
  unescape_into(field, s);
  return s;
}

std::string describe(const SplitResult& result) {
  switch (result.status) {
    case SplitStatus::unterminated_quote:
      return cat("field ", result.bad_field + 1,
                 ": quoted field is not closed on this line (quoted fields cannot span lines)");
    case SplitStatus::text_after_quote:
      return cat("field ", result.bad_field + 1,
                 ": unexpected text after the closing quote (a quote inside a quoted field "
                 "must be doubled)");
    case SplitStatus::ok:
      break;
  }
  return "no error";
}

TimeStatus parse_timestamp(std::string_view text, std::int64_t* out) {
  if (text.empty()) return TimeStatus::empty;
  const char* first = text.data();
  const char* last = first + text.size();
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(first, last, v);
  if (ptr != last || (ec != std::errc() && ec != std::errc::result_out_of_range))
    return TimeStatus::not_integer;
  if (ec == std::errc::result_out_of_range) return text[0] == '-' ? TimeStatus::negative : TimeStatus::too_large;
  if (v < 0) return TimeStatus::negative;
  if (v > kMaxTimestamp) return TimeStatus::too_large;
  *out = v;
  return TimeStatus::ok;
}

std::string describe_time_error(TimeStatus status, std::string_view field_name, std::string_view text) {
  switch (status) {
    case TimeStatus::empty:
      return cat("field '", field_name, "' is empty (expected unix seconds)");
    case TimeStatus::not_integer:
      return cat("field '", field_name, "' is not an integer: ", quoted(text));
    case TimeStatus::negative:
      return cat("field '", field_name, "' is out of range: ", quoted(text),
                 " is negative (expected unix seconds from 0 to ", kMaxTimestamp, ")");
    case TimeStatus::too_large:
      return cat("field '", field_name, "' is out of range: ", quoted(text),
                 " is after the year 9999 (expected unix seconds from 0 to ", kMaxTimestamp, ")");
    case TimeStatus::ok:
      break;
  }
  return "no error";
}

std::string quoted(std::string_view text) {
  constexpr std::size_t kMax = 60;
  if (text.size() > kMax) return cat('"', text.substr(0, kMax), "\"... (", text.size(), " bytes)");
  return cat('"', text, '"');
}

}  // namespace treerec::csv
