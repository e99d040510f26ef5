// data/idx.hpp and data/csv.hpp: files written here (plain and gzip) read back exactly, every
// malformed case's message (file, position, expected, found), and Fashion-MNIST if installed.
#include <ctnn/data/csv.hpp>
#include <ctnn/data/idx.hpp>

#include <sys/stat.h>

#include <bit>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <fstream>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

namespace {
using bytes = std::vector<std::uint8_t>;
using Catch::Matchers::Contains;
using Catch::Matchers::Message;
using Catch::Matchers::StartsWith;

void append_big_endian(bytes& b, std::uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) b.push_back(std::uint8_t(v >> (8 * i)));
}

/// An IDX file: magic 00 00 type rank, the dimensions, then `elements` as given.
bytes idx_bytes(std::uint8_t type, const std::vector<std::uint32_t>& dims, const bytes& elements) {
    bytes b{0, 0, type, std::uint8_t(dims.size())};
    for (auto d : dims) append_big_endian(b, d, 4);
    b.insert(b.end(), elements.begin(), elements.end());
    return b;
}

/// Three 2×2 "images" holding 0..11 row by row.
bytes small_images() {
    bytes e;
    for (std::uint8_t i = 0; i < 12; ++i) e.push_back(std::uint8_t(i * 20));
    return idx_bytes(0x08, {3, 2, 2}, e);
}

/// The exact message `read` throws (it must throw ctnn::data_error).
template <class F>
std::string data_error_message(F&& read) {
    try {
        read();
    } catch (const ctnn::data_error& e) {
        return e.what();
    }
    FAIL("no ctnn::data_error was thrown");
    return {};
}
}  // namespace

TEST_CASE("idx: images and labels read back, plain and gzip", "[data][idx]") {
    ctnn_test::temp_dir dir;
    const bytes images = small_images();
    const bytes labels = idx_bytes(0x08, {3}, {7, 0, 9});
    for (const bool gzip : {false, true}) {
        INFO("gzip " << gzip);
        const auto image_file = dir.write(gzip ? "images.gz" : "images", images, gzip);
        const auto label_file = dir.write(gzip ? "labels.gz" : "labels", labels, gzip);
        if (gzip) CHECK(ctnn_test::temp_dir::read(image_file).size() != images.size());

        const auto x = ctnn::data::read_idx_matrix(image_file);
        STATIC_REQUIRE(std::is_same_v<decltype(x), const ctnn::tensor<float, 2>>);
        REQUIRE(x.shape()[0] == 3);
        REQUIRE(x.shape()[1] == 4);
        for (std::size_t i = 0; i < 12; ++i) CHECK(x.data()[i] == float(20 * i));

        const auto y = ctnn::data::read_idx_labels<double>(label_file);
        REQUIRE(y.shape()[0] == 3);
        REQUIRE(y.shape()[1] == 1);
        CHECK(y(0, 0) == 7.0);
        CHECK(y(1, 0) == 0.0);
        CHECK(y(2, 0) == 9.0);

        const auto f = ctnn::data::read_idx(image_file);
        CHECK(f.type() == ctnn::data::idx_file::element_type::u8);
        CHECK((f.dims() == std::vector<std::size_t>{3, 2, 2}));
        CHECK(f.rows() == 3);
        CHECK(f.features() == 4);
        REQUIRE(f.bytes().size() == 12);
        CHECK(f.bytes()[11] == 220);
        const auto raw = f.matrix<std::uint8_t>();
        CHECK(raw(2, 3) == 220);
        CHECK(f.name() == image_file.string());
    }
}

TEST_CASE("idx: every element type decodes big-endian", "[data][idx]") {
    const auto one = [](std::uint8_t type, const bytes& element) {
        return ctnn::data::idx_file::parse(idx_bytes(type, {1}, element), "t").matrix<double>()(0, 0);
    };
    CHECK(one(0x08, {0xFF}) == 255.0);
    CHECK(one(0x09, {0xFE}) == -2.0);
    CHECK(one(0x0B, {0xFF, 0xFE}) == -2.0);
    CHECK(one(0x0B, {0x01, 0x00}) == 256.0);
    CHECK(one(0x0C, {0x00, 0x01, 0x00, 0x02}) == 65538.0);
    CHECK(one(0x0C, {0xFF, 0xFF, 0xFF, 0xFF}) == -1.0);
    bytes f32, f64;
    append_big_endian(f32, std::bit_cast<std::uint32_t>(1.5f), 4);
    append_big_endian(f64, std::bit_cast<std::uint64_t>(-0.1), 8);
    CHECK(one(0x0D, f32) == 1.5);
    CHECK(one(0x0E, f64) == -0.1);
    // a 1-dimensional file is a column; zero rows is an empty matrix, not an error
    const auto empty = ctnn::data::idx_file::parse(idx_bytes(0x08, {0, 5}, {}), "t").matrix();
    CHECK(empty.shape()[0] == 0);
    CHECK(empty.shape()[1] == 5);
}

TEST_CASE("idx: malformed files name the file, the byte, what was expected and found",
          "[data][idx]") {
    ctnn_test::temp_dir dir;
    const bytes good = small_images();
    const auto read = [&](const std::string& name, const bytes& b, bool gzip = false) {
        const auto p = dir.write(name, b, gzip);
        return data_error_message([&] { ctnn::data::read_idx(p); });
    };
    const auto path = [&](const std::string& name) { return (dir.path() / name).string(); };

    SECTION("missing file") {
        const auto p = dir.path() / "absent.gz";
        CHECK(data_error_message([&] { ctnn::data::read_idx_matrix(p); })
              == "ctnn: " + p.string() + ": cannot open the file: No such file or directory");
    }
    SECTION("a directory") {
        CHECK(data_error_message([&] { ctnn::data::read_idx(dir.path()); })
              == "ctnn: " + dir.path().string()
                     + ": byte 0: expected a data file, found a directory");
    }
    SECTION("truncated data") {
        bytes b = good;
        b.pop_back();
        CHECK(read("cut", b)
              == "ctnn: " + path("cut")
                     + ": byte 16: expected 12 bytes for the unsigned bytes of dimensions 3 x 2 x 2,"
                       " found 11 (a truncated file, or dimensions that do not match its size)");
        CHECK(read("cut.gz", b, true)
              == "ctnn: " + path("cut.gz")
                     + ": byte 16 of the decompressed data: expected 12 bytes for the unsigned "
                       "bytes of dimensions 3 x 2 x 2, found 11 (a truncated file, or dimensions "
                       "that do not match its size)");
    }
    SECTION("truncated header") {
        CHECK(read("head", bytes(good.begin(), good.begin() + 6))
              == "ctnn: " + path("head")
                     + ": byte 6: expected 3 4-byte dimensions in bytes 4..15, found the end of "
                       "the data");
        CHECK(read("tiny", bytes{0, 0})
              == "ctnn: " + path("tiny")
                     + ": byte 0: expected the 4-byte IDX magic number 00 00 TYPE RANK, found only "
                       "2 bytes");
        CHECK(read("empty", bytes{}) == "ctnn: " + path("empty")
                                            + ": byte 0: expected the 4-byte IDX magic number 00 "
                                              "00 TYPE RANK, found only 0 bytes");
    }
    SECTION("wrong magic, type or rank") {
        bytes b = good;
        b[1] = 1;
        CHECK(read("magic", b)
              == "ctnn: " + path("magic")
                     + ": byte 0: expected the IDX magic number 00 00 TYPE RANK, found 00 01 08 03");
        b = good;
        b[2] = 0x07;
        CHECK(read("type", b)
              == "ctnn: " + path("type")
                     + ": byte 2: expected an IDX element type (08 u8, 09 i8, 0b i16, 0c i32, 0d "
                       "f32, 0e f64), found 07");
        CHECK(read("rank", bytes{0, 0, 8, 0})
              == "ctnn: " + path("rank") + ": byte 3: expected at least 1 dimension, found 0");
    }
    SECTION("dimensions that do not match the size") {
        bytes b = good;
        b.push_back(0);
        b.push_back(0);
        CHECK(read("long", b)
              == "ctnn: " + path("long")
                     + ": byte 28: expected the end of the file after the unsigned bytes of "
                       "dimensions 3 x 2 x 2, found 2 more bytes (dimensions that do not match "
                       "the file's size)");
        const bytes wide = idx_bytes(0x0E, {3, 2, 2}, bytes(12, 0));
        CHECK_THAT(read("wide", wide), StartsWith("ctnn: " + path("wide"))
                                           && Contains("byte 16: expected 96 bytes for the doubles")
                                           && Contains("found 12"));
        // dimensions past memory are refused from the header, before anything is allocated,
        // by the reader's limit; parsing bytes already in memory refuses them too
        const bytes huge = idx_bytes(0x08, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, {});
        CHECK(read("huge", huge)
              == "ctnn: " + path("huge")
                     + ": byte 20: expected at most 2147483648 bytes of data (data::read_limits::max_bytes; "
                       "raise it to read larger files), found dimensions 4294967295 x 4294967295 x "
                       "4294967295 x 4294967295, which declare more bytes than memory holds");
        CHECK_THAT(data_error_message([&] { ctnn::data::idx_file::parse(huge, "huge"); }),
                   Contains("byte 20: expected more bytes than memory holds for the unsigned bytes "
                            "of dimensions 4294967295 x 4294967295 x 4294967295 x 4294967295"));
    }
    SECTION("labels from a file that is not 1-dimensional") {
        const auto p = dir.write("images", good);
        CHECK(data_error_message([&] { ctnn::data::read_idx_labels(p); })
              == "ctnn: " + p.string()
                     + ": byte 3: expected a 1-dimensional IDX file of labels (N), found 3 "
                       "dimensions 3 x 2 x 2");
    }
    SECTION("a truncated or corrupt gzip stream") {
        bytes many;  // big enough that a cut gzip stream still holds some whole deflate output
        for (int i = 0; i < 4000; ++i) many.push_back(std::uint8_t(i * 7919 % 251));
        const auto full = dir.write("full.gz", idx_bytes(0x08, {4000}, many), true);
        const std::string compressed = ctnn_test::temp_dir::read(full);
        const auto half = dir.write("half.gz", compressed.substr(0, compressed.size() / 2));
        CHECK_THAT(data_error_message([&] { ctnn::data::read_idx(half); }),
                   StartsWith("ctnn: " + half.string() + ": byte ")
                       && Contains(" of the decompressed data: expected the rest of the gzip "
                                   "stream, found the end of the file (a truncated .gz)"));
        std::string corrupt = compressed;
        corrupt[corrupt.size() - 5] = char(corrupt[corrupt.size() - 5] ^ 0x55);  // the CRC/size
        const auto bad = dir.write("bad.gz", corrupt);
        CHECK_THAT(data_error_message([&] { ctnn::data::read_idx(bad); }),
                   StartsWith("ctnn: " + bad.string() + ": byte ")
                       && Contains(" of the gzip file: expected a valid gzip stream, found "
                                   "\"incorrect data check\""));
    }
}

TEST_CASE("readers refuse what is not a regular file, without blocking on a pipe", "[data][limits]") {
    ctnn_test::temp_dir dir;
    const auto fifo = dir.path() / "pipe";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);  // nobody writes it: opening it to read would block
    CHECK(data_error_message([&] { ctnn::data::read_idx(fifo); })
          == "ctnn: " + fifo.string() + ": byte 0: expected a regular file, found a named pipe");
    CHECK(data_error_message([&] { ctnn::data::read_csv(fifo, 0); })
          == "ctnn: " + fifo.string() + ": byte 0: expected a regular file, found a named pipe");
    CHECK(data_error_message([&] { ctnn::data::read_idx_matrix("/dev/zero"); })
          == "ctnn: /dev/zero: byte 0: expected a regular file, found a character device");
}

TEST_CASE("readers stop at read_limits::max_bytes, checked as the data inflates", "[data][limits]") {
    ctnn_test::temp_dir dir;
    const ctnn::data::read_limits one_mib{.max_bytes = std::size_t(1) << 20};
    // 8 MiB of CSV that gzip packs into a few KiB
    std::string csv = "a,b\n";
    while (csv.size() < (std::size_t(8) << 20)) csv += "1,2\n";
    const auto bomb = dir.write("bomb.csv.gz", csv, true);
    REQUIRE(std::filesystem::file_size(bomb) < 100000);
    CHECK(data_error_message([&] { ctnn::data::read_csv(bomb, 0, ',', one_mib); })
          == "ctnn: " + bomb.string()
                 + ": byte 1048576 of the decompressed data: expected at most 1048576 bytes of data "
                   "(data::read_limits::max_bytes; raise it to read larger files), found more");
    CHECK(ctnn::data::read_csv(bomb, 0, ',', {.max_bytes = std::size_t(16) << 20}).x.shape()[0]
          == (csv.size() - 4) / 4);
    // a plain file over the limit is refused by its size, before a byte is read
    const auto plain = dir.write("big.csv", csv);
    CHECK(data_error_message([&] { ctnn::data::read_csv(plain, 0, ',', one_mib); })
          == "ctnn: " + plain.string() + ": byte 0: expected at most 1048576 bytes of data "
                 "(data::read_limits::max_bytes; raise it to read larger files), found a file of "
                 + std::to_string(csv.size()) + " bytes");
    // an IDX header declaring more than the limit is refused before its elements are read
    const auto images = dir.write("declared.gz", idx_bytes(0x08, {2000, 28, 28}, bytes(2000 * 784, 7)), true);
    CHECK(data_error_message([&] { ctnn::data::read_idx(images, {.max_bytes = 100000}); })
          == "ctnn: " + images.string()
                 + ": byte 16 of the decompressed data: expected at most 100000 bytes of data "
                   "(data::read_limits::max_bytes; raise it to read larger files), found dimensions 2000 x 28 "
                   "x 28, which declare 1568000 bytes");
    CHECK(ctnn::data::read_idx(images).rows() == 2000);
}

TEST_CASE("readers take a sparse terabyte file and a default limit without allocating it", "[data][limits]") {
    ctnn_test::temp_dir dir;
    const auto sparse = dir.path() / "sparse.idx";
    { std::ofstream(sparse.string()).put('\0'); }
    std::error_code ec;
    std::filesystem::resize_file(sparse, std::uintmax_t(1) << 40, ec);
    if (ec) {
        WARN("this file system cannot hold a sparse 1 TiB file (" << ec.message() << "): nothing to check");
        return;
    }
    CHECK(data_error_message([&] { ctnn::data::read_idx(sparse); })
          == "ctnn: " + sparse.string() + ": byte 0: expected at most 2147483648 bytes of data "
                 "(data::read_limits::max_bytes; raise it to read larger files), found a file of 1099511627776 bytes");
}

TEST_CASE("gzip: concatenated members are one stream; anything else after the last is refused", "[data][limits]") {
    ctnn_test::temp_dir dir;
    const bytes whole = small_images();
    const auto first = ctnn_test::temp_dir::read(dir.write("a.gz", bytes(whole.begin(), whole.begin() + 10), true));
    const auto second = ctnn_test::temp_dir::read(dir.write("b.gz", bytes(whole.begin() + 10, whole.end()), true));
    const auto joined = dir.write("joined.gz", first + second);
    CHECK(ctnn::data::read_idx(joined).matrix<int>()(2, 3) == 220);
    const auto junk = dir.write("junk.gz", first + second + "junk");
    CHECK(data_error_message([&] { ctnn::data::read_idx(junk); })
          == "ctnn: " + junk.string() + ": byte " + std::to_string(first.size() + second.size())
                 + " of the gzip file: expected the end of the file or another gzip member, found 4 bytes of other data");
}

TEST_CASE("idx: the Fashion-MNIST files of Debian's dataset-fashion-mnist", "[data][idx]") {
    const std::filesystem::path dir = "/usr/share/datasets/fashion-mnist";
    if (!std::filesystem::exists(dir / "t10k-labels-idx1-ubyte.gz")) {
        WARN("dataset-fashion-mnist is not installed: nothing to check");
        return;
    }
    const auto images = ctnn::data::read_idx(dir / "t10k-images-idx3-ubyte.gz");
    CHECK((images.dims() == std::vector<std::size_t>{10000, 28, 28}));
    CHECK(images.type() == ctnn::data::idx_file::element_type::u8);
    const auto x = images.matrix();
    CHECK(x.shape()[0] == 10000);
    CHECK(x.shape()[1] == 784);
    float lo = 255, hi = 0;
    for (float v : x) lo = std::min(lo, v), hi = std::max(hi, v);
    CHECK(lo == 0.0f);
    CHECK(hi == 255.0f);

    // The test and training sets are balanced: 1000 and 6000 images of each of 10 classes.
    for (const auto& [file, rows] : {std::pair{"t10k-labels-idx1-ubyte.gz", 10000},
                                     std::pair{"train-labels-idx1-ubyte.gz", 60000}}) {
        INFO(file);
        const auto y = ctnn::data::read_idx_labels(dir / file);
        REQUIRE(y.shape()[0] == std::size_t(rows));
        std::vector<int> per_class(10, 0);
        for (float v : y) {
            REQUIRE(v >= 0.0f);
            REQUIRE(v <= 9.0f);
            ++per_class[std::size_t(v)];
        }
        for (int c : per_class) CHECK(c == rows / 10);
    }
}

TEST_CASE("csv: a label column by name or index, features in file order", "[data][csv]") {
    ctnn_test::temp_dir dir;
    const std::string text = "\xEF\xBB\xBF"
                             "width, \"the \"\"height\"\"\" ,species,depth\r\n"
                             "1.5,2,0,-3\r\n"
                             "\r\n"
                             " +4 ,5e-1,2,  6.25\r\n"
                             "7,8,1,9\n"
                             "\n";
    for (const bool gzip : {false, true}) {
        INFO("gzip " << gzip);
        const auto p = dir.write(gzip ? "t.csv.gz" : "t.csv", text, gzip);
        const auto by_name = ctnn::data::read_csv(p, "species");
        const auto by_index = ctnn::data::read_csv<double>(p, 2);
        STATIC_REQUIRE(std::is_same_v<decltype(by_name.x), ctnn::tensor<float, 2>>);
        REQUIRE(by_name.x.shape()[0] == 3);
        REQUIRE(by_name.x.shape()[1] == 3);
        REQUIRE(by_name.y.shape()[0] == 3);
        REQUIRE(by_name.y.shape()[1] == 1);
        const std::vector<double> x{1.5, 2, -3, 4, 0.5, 6.25, 7, 8, 9}, y{0, 2, 1};
        for (std::size_t i = 0; i < x.size(); ++i) {
            CHECK(by_name.x.data()[i] == float(x[i]));
            CHECK(by_index.x.data()[i] == x[i]);
        }
        for (std::size_t i = 0; i < y.size(); ++i) {
            CHECK(by_name.y.data()[i] == float(y[i]));
            CHECK(by_index.y.data()[i] == y[i]);
        }
        CHECK((by_name.feature_names == std::vector<std::string>{"width", "the \"height\"", "depth"}));
        CHECK(by_name.label_name == "species");
        CHECK(by_index.label_name == "species");
    }
    // another delimiter, the label first
    const auto p = dir.write("semi.csv", "y;a\n1;2\n");
    const auto semi = ctnn::data::read_csv(p, 0, ';');
    CHECK(semi.y(0, 0) == 1.0f);
    CHECK(semi.x(0, 0) == 2.0f);
}

namespace {
/// CSV text written to t.csv in a fresh directory and read: `refusal` gives the data_error's
/// message, which starts with `file`.
struct csv_file {
    ctnn_test::temp_dir dir;
    std::string file = "ctnn: " + (dir.path() / "t.csv").string() + ":";
    template <class Label>
    std::string refusal(const std::string& text, Label label) {
        const auto p = dir.write("t.csv", text);
        return data_error_message([&] { ctnn::data::read_csv(p, label); });
    }
};
}  // namespace

TEST_CASE("csv: malformed files name the file, line:column, what was expected and found",
          "[data][csv]") {
    csv_file csv;
    auto& dir = csv.dir;
    const auto read = [&](const std::string& text, auto label) { return csv.refusal(text, label); };
    const std::string& file = csv.file;

    CHECK(data_error_message([&] { ctnn::data::read_csv(dir.path() / "none.csv", "y"); })
          == "ctnn: " + (dir.path() / "none.csv").string()
                 + ": cannot open the file: No such file or directory");
    CHECK(read("", "y")
          == file + " 1:1: expected a header row of column names, found an empty file");
    CHECK(read("a,b\n1,2\n", "y")
          == file + " 1:1: expected a label column named \"y\", found columns \"a\", \"b\"");
    CHECK(read("a,b\n1,2\n", std::size_t(2))
          == file + " 1:1: expected a label column at index 2 (0-based), found 2 columns in the "
                    "header");
    CHECK(read("y\n1\n", "y") == file + " 1:1: expected at least 2 columns (features and a label), "
                                        "found 1 column");
    CHECK(read("a,b,y\n1,2,3\n1,2\n", "y")
          == file + " 3:4: expected 3 fields as in the header, found 2");
    CHECK(read("a,b,y\n1,2,3,4,5\n", "y")
          == file + " 2:7: expected 3 fields as in the header, found 5");
    CHECK(read("a,b,y\n1, x1 ,3\n", "y") == file + " 2:4: expected a number, found \"x1\"");
    CHECK(read("a,b,y\n1,2,3\n\n4,,6\n", "y") == file + " 4:3: expected a number, found an empty field");
    CHECK(read("a,b,y\n1,2,3abc\n", "y") == file + " 2:5: expected a number, found \"3abc\"");
    CHECK(read("a,b,y\n1,nan,3\n", "y") == file + " 2:3: expected a finite number, found \"nan\"");
    CHECK(read("a,b,y\n1,2,1e999\n", "y")
          == file + " 2:5: expected a number within the range of double, found \"1e999\"");
    CHECK(read("a,b,y\n1,1e39,3\n", "y")
          == file + " 2:3: expected a number within the range of the scalar type, found \"1e39\"");
    CHECK(read("a,\"b,y\n", "y") == file + " 1:3: expected a closing quote, found the end of the line");
    CHECK(read("a,\"b\"x,y\n", "y")
          == file + " 1:6: expected the delimiter ',' after a quoted field, found \"x,y\"");
    // a double holds what a float cannot
    const auto p = dir.write("d.csv", "a,y\n1e39,0\n");
    CHECK(ctnn::data::read_csv<double>(p, "y").x(0, 0) == 1e39);
}

TEST_CASE("csv: the edge cases a careless file brings, each refused at its position or read as documented",
          "[data][csv]") {
    csv_file csv;
    auto& dir = csv.dir;
    const auto read = [&](const std::string& text, auto label) { return csv.refusal(text, label); };
    const std::string& file = csv.file;
    // a header and no rows is an empty table read by mistake, not an empty dataset
    CHECK(read("a,y\n", "y") == file + " 2:1: expected a row of data after the header, found the end of the file");
    CHECK(read("a,y\n\n  \n", std::size_t(0))
          == file + " 4:1: expected a row of data after the header, found the end of the file");
    // one sign only
    CHECK(read("a,y\n+-5,1\n", "y") == file + " 2:1: expected a number, found \"+-5\"");
    CHECK(read("a,y\n++5,1\n", "y") == file + " 2:1: expected a number, found \"++5\"");
    // two columns of the label's name: the label is ambiguous
    CHECK(read("y,a,y\n1,2,3\n", "y")
          == file + " 1:5: expected one label column named \"y\", found a second one, column 3 after column 1 "
                    "(choose it by index instead)");
    const auto twice = dir.write("twice.csv", "y,a,y\n1,2,3\n");
    CHECK(ctnn::data::read_csv(twice, 2).y(0, 0) == 3.0f);
    // a wide header over short rows is refused at the first short row, before x is allocated
    std::string wide;
    for (int i = 0; i < 100000; ++i) wide += "c" + std::to_string(i) + ",";
    wide += "y\n";
    for (int i = 0; i < 100000; ++i) wide += "1\n";
    CHECK(read(wide, "y") == file + " 2:2: expected 100001 fields as in the header, found 1");

    // CR-only line ends (classic Mac) are line ends, as LF and CRLF are
    const auto mac = dir.write("mac.csv", "a,y\r1,0\r2,1\r");
    const auto m = ctnn::data::read_csv<double>(mac, 1);
    REQUIRE(m.x.shape()[0] == 2);
    CHECK(m.x(1, 0) == 2.0);
    CHECK(m.y(1, 0) == 1.0);
    // a number too small for T is T's nearest value (as Python and NumPy read it), for float and
    // double alike; one too large is refused
    const auto tiny = dir.write("tiny.csv", "a,b,c,y\n1e-50,-1e-400,0.00001e-320,0\n");
    const auto f = ctnn::data::read_csv<float>(tiny, "y");
    CHECK(f.x(0, 0) == 0.0f);
    CHECK(f.x(0, 1) == 0.0f);
    CHECK(std::signbit(f.x(0, 1)));
    const auto d = ctnn::data::read_csv<double>(tiny, "y");
    CHECK(d.x(0, 0) == 1e-50);
    CHECK(d.x(0, 1) == 0.0);
    CHECK(std::signbit(d.x(0, 1)));
    CHECK(d.x(0, 2) == 0.0);
    // a tab delimiter: two tabs in a row hold an empty field (a tab is a blank around a field
    // only when it is not the delimiter), and a pandas index column has an empty name
    const std::string tsv_file = "ctnn: " + (dir.path() / "t.tsv").string() + ":";
    const auto tsv = [&](const std::string& text) {
        const auto path = dir.write("t.tsv", text);
        return data_error_message([&] { ctnn::data::read_csv(path, "y", '\t'); });
    };
    CHECK(tsv("a\tb\ty\n1\t\t3\n") == tsv_file + " 2:3: expected a number, found an empty field");
    CHECK(tsv("\tb\ty\n1\t\t2\t3\n") == tsv_file + " 2:6: expected 3 fields as in the header, found 4");
    CHECK(tsv("a\tb\ty\n1\t2\t3\n\t\t\n") == tsv_file + " 3:1: expected a number, found an empty field");
    const auto indexed = ctnn::data::read_csv<double>(dir.write("i.tsv", "\tb\ty\n0\t2\t3\n1\t 5 \t6\n"), "y", '\t');
    CHECK((indexed.feature_names == std::vector<std::string>{"", "b"}));
    CHECK((indexed.x == ctnn::tensor<double, 2>{{0.0, 2.0}, {1.0, 5.0}}));
    CHECK((indexed.y == ctnn::tensor<double, 2>{{3.0}, {6.0}}));
    // blank lines before the header are skipped as those after it are; blanks inside a quoted
    // number are read around, as Python's float(" 5 ")
    const auto lead = ctnn::data::read_csv<double>(dir.write("lead.csv", "\n  \r\nx,y\n\" 5 \",\"\t1\"\n"), "y");
    CHECK((lead.x == ctnn::tensor<double, 2>{{5.0}}));
    CHECK((lead.y == ctnn::tensor<double, 2>{{1.0}}));
    CHECK(read("\n \n", "y") == file + " 3:1: expected a header row of column names, found blank lines only");
    CHECK(read("a,y\n\"\",1\n", "y") == file + " 2:1: expected a number, found an empty field");
    CHECK(read("a,y\n0.00001e400,0\n", "y") == file + " 2:1: expected a number within the range of double, found \"0.00001e400\"");
    CHECK(read("a,y\n123e307,0\n", "y") == file + " 2:1: expected a number within the range of double, found \"123e307\"");
}

TEST_CASE("idx: float data must be finite, and every element must fit the type asked for", "[data][idx]") {
    const auto f32 = [](std::initializer_list<float> values) {
        bytes b;
        for (const float v : values) append_big_endian(b, std::bit_cast<std::uint32_t>(v), 4);
        return ctnn::data::idx_file::parse(idx_bytes(0x0D, {std::uint32_t(values.size())}, b), "t");
    };
    const auto f64 = [](std::initializer_list<double> values) {
        bytes b;
        for (const double v : values) append_big_endian(b, std::bit_cast<std::uint64_t>(v), 8);
        return ctnn::data::idx_file::parse(idx_bytes(0x0E, {std::uint32_t(values.size())}, b), "t");
    };
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    CHECK(data_error_message([&] { f32({1.0f, nan}).matrix(); })
          == "ctnn: t: byte 12: expected a finite number (element 1), found nan");
    CHECK(data_error_message([&] { f32({1.0f, 2.0f, -inf}).matrix<double>(); })
          == "ctnn: t: byte 16: expected a finite number (element 2), found -inf");
    CHECK(data_error_message([&] { f64({1e300}).matrix<float>(); })
          == "ctnn: t: byte 8: expected a number within the range of float (element 0), found 1e+300");
    CHECK(f64({1e300}).matrix<double>()(0, 0) == 1e300);
    // integer types: whole numbers in range, or a positioned refusal (no undefined conversion)
    CHECK(f32({3.0f, -7.0f}).matrix<int>()(1, 0) == -7);
    CHECK(data_error_message([&] { f32({3.0f, 3e9f}).matrix<int>(); })
          == "ctnn: t: byte 12: expected a whole number in [-2147483648, 2147483647], the range of the integer type "
             "asked for (element 1), found 3e+09");
    CHECK(data_error_message([&] { f64({2.5}).matrix<long>(); })
          == "ctnn: t: byte 8: expected a whole number in [-9223372036854775808, 9223372036854775807], the range of "
             "the integer type asked for (element 0), found 2.5");
    CHECK(data_error_message([&] { f64({9223372036854775808.0}).matrix<long>(); })
          == "ctnn: t: byte 8: expected a whole number in [-9223372036854775808, 9223372036854775807], the range of "
             "the integer type asked for (element 0), found 9223372036854775808");
    CHECK(f64({-9223372036854775808.0}).matrix<long>()(0, 0) == std::numeric_limits<long>::min());
    const auto signed_bytes = ctnn::data::idx_file::parse(idx_bytes(0x09, {2}, {0x05, 0xFE}), "t");
    CHECK(signed_bytes.matrix<int>()(1, 0) == -2);
    CHECK(data_error_message([&] { signed_bytes.matrix<std::uint8_t>(); })
          == "ctnn: t: byte 9: expected a whole number in [0, 255], the range of the integer type asked for "
             "(element 1), found -2");
}
