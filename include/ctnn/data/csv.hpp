// CSV files of numbers (plain or gzip): a header row of column names, then one sample per line.
// One column is the label (chosen by name or index), every other column a feature.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/data/read_limits.hpp"
#include "ctnn/detail/data_file.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn::data {

/// A CSV file read as numbers: x (rows, features) holds every column but the label, in file
/// order; y (rows, 1) the label column.
template <class T = float>
struct csv_data {
    tensor<T, 2> x;
    tensor<T, 2> y;
    std::vector<std::string> feature_names;
    std::string label_name;
};

}  // namespace ctnn::data

namespace ctnn::detail {

struct csv_field {
    std::string_view text;  // without the quotes and surrounding blanks
    std::size_t column;     // 1-based, where the field starts
    bool quoted;
};

class csv_parser {
public:
    csv_parser(std::string_view text, std::string file, char delimiter)
        : text_(text), file_(std::move(file)), delimiter_(delimiter) {
        if (text_.starts_with("\xEF\xBB\xBF")) text_.remove_prefix(3);  // UTF-8 byte order mark
    }

    /// The next line without its end of line (LF, CRLF or a lone CR, as old Mac files end
    /// theirs); false at the end of the text.
    bool next_line(std::string_view& line) {
        if (position_ >= text_.size()) return false;
        const std::size_t end = std::min(text_.find_first_of("\r\n", position_), text_.size());
        line = text_.substr(position_, end - position_);
        position_ = end + (end + 1 < text_.size() && text_[end] == '\r' && text_[end + 1] == '\n' ? 2 : 1);
        ++line_number_;
        return true;
    }

    /// A blank around a field: a space or a tab, unless it is the delimiter (in a TSV file a
    /// tab ends a field, and two in a row hold an empty one).
    bool padding(char c) const noexcept { return (c == ' ' || c == '\t') && c != delimiter_; }
    /// A line of blanks alone, skipped (with a tab delimiter, a line of tabs holds empty fields).
    bool blank(std::string_view line) const noexcept {
        return std::all_of(line.begin(), line.end(), [&](char c) { return padding(c); });
    }
    /// Moves to the first line that is not blank (the header); false if there is none.
    bool next_filled_line(std::string_view& line) {
        while (next_line(line))
            if (!blank(line)) return true;
        return false;
    }

    std::size_t line_number() const noexcept { return line_number_; }

    /// Fields of `line` appended to `fields` (cleared first).
    void split(std::string_view line, std::vector<csv_field>& fields) const {
        fields.clear();
        std::size_t i = 0;
        for (;;) {
            while (i < line.size() && padding(line[i])) ++i;
            csv_field f{{}, i + 1, false};
            if (i < line.size() && line[i] == '"') {
                const std::size_t open = i;
                ++i;
                while (i < line.size()) {
                    if (line[i] == '"') {
                        if (i + 1 < line.size() && line[i + 1] == '"') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    ++i;
                }
                if (i >= line.size()) fail(open + 1, "a closing quote", "the end of the line");
                f.text = line.substr(open + 1, i - open - 1);
                f.quoted = true;
                ++i;
                while (i < line.size() && padding(line[i])) ++i;
                if (i < line.size() && line[i] != delimiter_)
                    fail(i + 1, "the delimiter '" + std::string(1, delimiter_) + "' after a quoted field",
                         quoted_excerpt(line.substr(i), 20));
            } else {
                const std::size_t end = std::min(line.find(delimiter_, i), line.size());
                std::size_t last = end;
                while (last > i && padding(line[last - 1])) --last;
                f.text = line.substr(i, last - i);
                i = end;
            }
            fields.push_back(f);
            if (i >= line.size()) return;
            ++i;  // the delimiter
        }
    }

    /// The field as a finite T; data_error otherwise. A number too small for T reads as T's
    /// nearest value (0 or a subnormal), as Python and NumPy read it, for float and double
    /// alike; one too large for T is refused.
    template <class T>
    T number(const csv_field& f) const {
        std::string_view s = f.text;
        if (f.quoted) {  // blanks inside the quotes, as Python's float(" 5 ") reads them
            while (!s.empty() && padding(s.front())) s.remove_prefix(1);
            while (!s.empty() && padding(s.back())) s.remove_suffix(1);
        }
        if (s.empty()) fail(f.column, "a number", "an empty field");
        const char* first = s.data();
        const char* last = s.data() + s.size();
        if (*first == '+') {  // from_chars rejects a leading plus sign; one sign only
            ++first;
            if (first != last && (*first == '-' || *first == '+')) fail(f.column, "a number", quoted_excerpt(s));
        }
        double v = 0.0;
        const auto r = std::from_chars(first, last, v);
        if (r.ec == std::errc::result_out_of_range && r.ptr == last && underflows(first, last))
            v = *first == '-' ? -0.0 : 0.0;
        else if (r.ec == std::errc::result_out_of_range)
            fail(f.column, "a number within the range of double", quoted_excerpt(s));
        if (r.ptr != last || first == last || (r.ec != std::errc() && r.ec != std::errc::result_out_of_range))
            fail(f.column, "a number", quoted_excerpt(s));
        if (!std::isfinite(v)) fail(f.column, "a finite number", quoted_excerpt(s));
        const T t = static_cast<T>(v);
        if (!std::isfinite(t))
            fail(f.column, "a number within the range of the scalar type", quoted_excerpt(s));
        return t;
    }

    /// For a decimal number from_chars found out of double's range: true when it is too small
    /// (the decimal order of its first significant digit, plus the exponent, is negative).
    static bool underflows(const char* first, const char* last) {
        if (first != last && *first == '-') ++first;
        const char* e = std::find_if(first, last, [](char c) { return c == 'e' || c == 'E'; });
        const char* point = std::find(first, e, '.');
        const char* digit = std::find_if(first, e, [](char c) { return c >= '1' && c <= '9'; });
        if (digit == e) return true;
        const long order = digit < point ? long(point - digit) - 1 : -long(digit - point);
        if (e == last) return order < 0;
        const char* x = e + 1;
        const bool negative = x != last && *x == '-';
        if (x != last && (*x == '-' || *x == '+')) ++x;
        long exponent = 0;
        if (std::from_chars(x, last, exponent).ec != std::errc()) return negative;  // beyond long
        return order + (negative ? -exponent : exponent) < 0;
    }

    [[noreturn]] void fail(std::size_t column, std::string_view expected,
                           std::string_view found) const {
        throw_data_error(
            file_, std::to_string(line_number_) + ":" + std::to_string(column), expected, found);
    }

    const std::string& file() const noexcept { return file_; }

private:
    std::string_view text_;
    std::string file_;
    char delimiter_;
    std::size_t position_ = 0;
    std::size_t line_number_ = 0;
};

inline std::string unescape_quotes(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        out += s[i];
        if (s[i] == '"' && i + 1 < s.size() && s[i + 1] == '"') ++i;
    }
    return out;
}

/// Parses CSV `text`; `label` is the label column's name or 0-based index; `file` names the
/// source in messages.
template <class T>
data::csv_data<T> parse_csv(std::string_view text, std::string file,
                      const std::variant<std::size_t, std::string>& label, char delimiter) {
    static_assert(std::is_floating_point_v<T>, "ctnn: read_csv<T> needs float or double");
    csv_parser parser(text, std::move(file), delimiter);
    std::vector<csv_field> fields;
    std::string_view line;
    if (!parser.next_filled_line(line))  // blank lines before the header are skipped too
        throw_data_error(parser.file(), std::to_string(parser.line_number() + 1) + ":1",
                         "a header row of column names",
                         parser.line_number() == 0 ? "an empty file" : "blank lines only");
    parser.split(line, fields);
    std::vector<std::string> names;
    names.reserve(fields.size());
    for (const auto& f : fields) names.push_back(f.quoted ? unescape_quotes(f.text) : std::string(f.text));

    std::size_t label_index = 0;
    if (const auto* index = std::get_if<std::size_t>(&label)) {
        if (*index >= names.size())
            parser.fail(1, "a label column at index " + std::to_string(*index) + " (0-based)",
                        std::to_string(names.size()) + " columns in the header");
        label_index = *index;
    } else {
        const auto& wanted = std::get<std::string>(label);
        label_index = names.size();
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (names[i] != wanted) continue;
            if (label_index != names.size())  // two columns of that name: which is the label?
                parser.fail(fields[i].column, "one label column named " + quoted_excerpt(wanted),
                            "a second one, column " + std::to_string(i + 1) + " after column "
                                + std::to_string(label_index + 1) + " (choose it by index instead)");
            label_index = i;
        }
        if (label_index == names.size()) {
            std::string found = "columns ";
            for (std::size_t i = 0; i < names.size(); ++i)
                found += (i ? ", " : "") + quoted_excerpt(names[i]);
            parser.fail(1, "a label column named " + quoted_excerpt(wanted), found);
        }
    }
    const std::size_t width = names.size();
    if (width < 2)
        parser.fail(1, "at least 2 columns (features and a label)",
                    std::to_string(width) + " column");

    // Count the samples first so x and y are allocated once, at their final size. A line too
    // short to hold `width` numbers is split now, so a short file with a wide header is refused
    // at its first ragged row instead of allocating rows × width values it does not have.
    std::size_t rows = 0;
    {
        csv_parser counter(text, parser.file(), delimiter);
        std::string_view l;
        counter.next_filled_line(l);  // the header
        while (counter.next_line(l)) {
            if (counter.blank(l)) continue;
            if (l.size() < 2 * width - 1) {
                counter.split(l, fields);
                if (fields.size() != width)
                    counter.fail(fields.size() > width ? fields[width].column : l.size() + 1,
                                 std::to_string(width) + " fields as in the header", std::to_string(fields.size()));
            }
            ++rows;
        }
        if (rows == 0)
            throw_data_error(parser.file(), std::to_string(counter.line_number() + 1) + ":1",
                             "a row of data after the header", "the end of the file");
    }

    data::csv_data<T> out;
    try {
        out.x = tensor<T, 2>::from_shape({rows, width - 1});
        out.y = tensor<T, 2>::from_shape({rows, 1});
    } catch (const std::bad_alloc&) {
        throw data_error("ctnn: " + parser.file() + ": cannot allocate " + std::to_string(rows) + " x "
                         + std::to_string(width) + " values to read it (lower data::read_limits::max_bytes, "
                         "or free memory)");
    }
    out.label_name = names[label_index];
    for (std::size_t i = 0; i < width; ++i)
        if (i != label_index) out.feature_names.push_back(std::move(names[i]));

    T* x = out.x.data();
    T* y = out.y.data();
    std::size_t row = 0;
    while (parser.next_line(line)) {
        if (parser.blank(line)) continue;
        parser.split(line, fields);
        if (fields.size() != width)
            parser.fail(fields.size() > width ? fields[width].column : line.size() + 1,
                        std::to_string(width) + " fields as in the header",
                        std::to_string(fields.size()));
        for (std::size_t i = 0; i < width; ++i) {
            if (i == label_index)
                y[row] = parser.number<T>(fields[i]);
            else
                *x++ = parser.number<T>(fields[i]);
        }
        ++row;
    }
    return out;
}

}  // namespace ctnn::detail

namespace ctnn::data {

/// Reads a CSV file (plain or gzip) with a header row; the label is the column named
/// `label_name`. Throws data_error naming file:line:column for a missing column, a ragged row,
/// an empty field or a non-number. A file over `limits.max_bytes` (inflated) is refused.
template <class T = float>
csv_data<T> read_csv(const std::filesystem::path& path, std::string_view label_name,
                     char delimiter = ',', read_limits limits = {}) {
    const auto contents = ctnn::detail::read_file_contents(path, limits);
    const std::string_view text(reinterpret_cast<const char*>(contents.bytes.data()),
                                contents.bytes.size());
    return ctnn::detail::parse_csv<T>(text, path.string(), std::string(label_name), delimiter);
}

/// The same with the label column given by its 0-based index.
template <class T = float>
csv_data<T> read_csv(const std::filesystem::path& path, std::size_t label_index,
                     char delimiter = ',', read_limits limits = {}) {
    const auto contents = ctnn::detail::read_file_contents(path, limits);
    const std::string_view text(reinterpret_cast<const char*>(contents.bytes.data()),
                                contents.bytes.size());
    return ctnn::detail::parse_csv<T>(text, path.string(), label_index, delimiter);
}

}  // namespace ctnn::data
