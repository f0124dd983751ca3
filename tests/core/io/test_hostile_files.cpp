// Hostile files through the command line, table by table: model and session JSON, CSV and .npy
// points, pictures. Each bad file is refused by every command that reads it with a non-zero
// exit, ONE line on stderr that names the file and the problem, and no output file; the few
// foreign-but-sound files a user expects to work (CRLF line ends, 16-bit, palette and grey+alpha
// PNGs) are read. Files that would be large are made cheaply (sparse, or a header that lies), and
// every limit they hit is one of the documented caps (docs/model-format.md, "Limits").
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#if __has_include(<stb_image_write.h>)
#include <stb_image_write.h>
#else
#include <stb/stb_image_write.h>
#endif

#include "core/base/rng.hpp"
#include "core/io/file_io.hpp"
#include "core/io/model_io.hpp"
#include "core/io/npy.hpp"
#include "core/io/session_io.hpp"
#include "core/targets/targets.hpp"
#include "tests/core/cli/cli_runner.hpp"

using flowlab::testing::CliResult;
using flowlab::testing::runCli;
using flowlab::testing::tempPath;
namespace core = flowlab::core;
namespace fs = std::filesystem;

namespace {

using Bytes = std::string;

struct Row {
  std::string what;      // the hostile file, for the report
  Bytes bytes;           // its content
  std::string mentions;  // what the one line must say besides the file's name
  bool modelReaders =
      true;  // a session row: the model readers (which read only its model) refuse it too
};

void writeBytes(const std::string& path, const Bytes& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// `words` reads `file`: refused with one line naming the file and `mentions`, and `output` (a
// word of the line) not created.
void checkRefused(const std::vector<std::string>& words, const std::string& file,
                  const std::string& mentions, const std::string& output) {
  std::remove(output.c_str());
  const CliResult r = runCli(words);
  std::string line;
  for (const auto& w : words) line += " " + w;
  INFO("flowlab" << line.substr(0, 300) << "\n→ " << r.err.substr(0, 600));
  CHECK(r.code != 0);
  CHECK(r.err.find(file) != std::string::npos);
  CHECK(r.err.find(mentions) != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.size() < 600);  // one short line, whatever the file holds
  CHECK(r.err.find('\x1b') == std::string::npos);
  CHECK_FALSE(fs::exists(output));
}

void checkAccepted(const std::vector<std::string>& words, const std::string& output) {
  std::remove(output.c_str());
  const CliResult r = runCli(words);
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(fs::exists(output));
  std::remove(output.c_str());
}

// The smallest training a command line can ask for, with its output.
std::vector<std::string> tinyTrain(std::vector<std::string> target, const std::string& out) {
  std::vector<std::string> w = {"train"};
  w.insert(w.end(), target.begin(), target.end());
  for (const char* s : {"--method", "fm", "--steps", "1", "--batch", "8", "--hidden", "4",
                        "--layers", "1", "--threads", "1", "--quiet", "--out"})
    w.push_back(s);
  w.push_back(out);
  return w;
}

// A file a tiny run writes (a model, or a session by the extension), made once per suite.
Bytes trainedFile(const std::string& name, std::vector<std::string> target) {
  const std::string path = tempPath("hostile_" + name);
  const CliResult r = runCli(tinyTrain(std::move(target), path));
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const Bytes text = core::readTextFile(path);
  std::remove(path.c_str());
  return text;
}

// `text` with its first `from` replaced by `to` (the row's file must really differ).
Bytes replaced(Bytes text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE_MESSAGE(at != Bytes::npos, from);
  return text.replace(at, from.size(), to);
}

Bytes randomBytes(std::size_t n, std::uint64_t seed) {
  core::Rng rng(seed);
  Bytes b(n, '\0');
  for (char& c : b) c = static_cast<char>(rng.nextU64() & 0xff);
  return b;
}

Bytes repeated(const Bytes& piece, std::size_t n) {
  Bytes b;
  b.reserve(piece.size() * n);
  for (std::size_t i = 0; i < n; ++i) b += piece;
  return b;
}

Bytes nested(std::size_t depth) { return Bytes(depth, '[') + Bytes(depth, ']'); }

// A JSON array of `n` zeros.
Bytes zeros(std::size_t n) {
  Bytes b = "[0";
  b.reserve(2 * n + 2);
  for (std::size_t i = 1; i < n; ++i) b += ",0";
  return b + "]";
}

// ---- .npy files (numpy.lib.format 1.0: magic, version, header length, dictionary, data)

Bytes npy(const std::string& dict, const Bytes& data) {
  Bytes header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  Bytes out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + data;
}

Bytes doubles(std::vector<double> v) {
  return Bytes(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
}

Bytes dict(const std::string& descr, const std::string& order, const std::string& shape) {
  return "{'descr': '" + descr + "', 'fortran_order': " + order + ", 'shape': " + shape + ", }";
}

// ---- PNG files (RFC 2083): chunks with CRC-32, the image data as stored deflate blocks in a
// zlib stream (RFC 1950/1951), each row with filter byte 0.

std::uint32_t crc32(const Bytes& b) {
  std::uint32_t c = 0xffffffffu;
  for (unsigned char byte : b) {
    c ^= byte;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return c ^ 0xffffffffu;
}

Bytes be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

Bytes chunk(const std::string& type, const Bytes& data) {
  return be32(static_cast<std::uint32_t>(data.size())) + type + data + be32(crc32(type + data));
}

Bytes zlibStored(const Bytes& raw) {
  Bytes z = "\x78\x01";
  std::size_t at = 0;
  do {
    const std::size_t n = std::min<std::size_t>(raw.size() - at, 65535);
    z += static_cast<char>(at + n == raw.size() ? 1 : 0);  // BFINAL, BTYPE 00 (stored)
    z += static_cast<char>(n & 0xff);
    z += static_cast<char>(n >> 8);
    z += static_cast<char>(~n & 0xff);
    z += static_cast<char>((~n >> 8) & 0xff);
    z += raw.substr(at, n);
    at += n;
  } while (at < raw.size());
  std::uint32_t a = 1, b = 0;  // Adler-32
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  return z + be32((b << 16) | a);
}

// A PNG of `rows` (each without its filter byte): colour type 0 grey, 2 RGB, 3 palette,
// 4 grey+alpha, 6 RGBA; `extra` chunks go before the image data.
Bytes png(std::uint32_t w, std::uint32_t h, int bitDepth, int colourType,
          const std::vector<Bytes>& rows, const Bytes& extra = "") {
  Bytes ihdr = be32(w) + be32(h);
  ihdr += static_cast<char>(bitDepth);
  ihdr += static_cast<char>(colourType);
  ihdr += Bytes(3, '\0');
  Bytes raw;
  for (const Bytes& r : rows) raw += '\0' + r;
  return "\x89PNG\r\n\x1a\n" + chunk("IHDR", ihdr) + extra + chunk("IDAT", zlibStored(raw)) +
         chunk("IEND", "");
}

Bytes jpeg(int w, int h) {
  std::vector<unsigned char> rgb(static_cast<std::size_t>(w) * h * 3, 200);
  Bytes out;
  stbi_write_jpg_to_func(
      [](void* context, void* data, int size) {
        static_cast<Bytes*>(context)->append(static_cast<const char*>(data), size);
      },
      &out, w, h, 3, rgb.data(), 90);
  return out;
}

// The JPEG with its frame header (SOF0, FF C0) claiming `w` × `h`.
Bytes jpegClaiming(Bytes j, int w, int h) {
  const auto sof = j.find("\xFF\xC0");
  REQUIRE(sof != Bytes::npos);
  j[sof + 5] = static_cast<char>(h >> 8);
  j[sof + 6] = static_cast<char>(h & 0xff);
  j[sof + 7] = static_cast<char>(w >> 8);
  j[sof + 8] = static_cast<char>(w & 0xff);
  return j;
}

}  // namespace

TEST_CASE("hostile model files: refused by every command that reads a model") {
  const Bytes good = trainedFile("model.json", {"--target", "moons"});
  const std::string out = tempPath("hostile_out.csv"), in = tempPath("hostile_in.csv");
  writeBytes(in, "x,y\n0,0\n");
  const std::vector<Row> rows = {
      {"random bytes", randomBytes(4096, 1), "invalid JSON"},
      {"empty", "", "invalid JSON"},
      {"truncated", good.substr(0, good.size() / 2), "invalid JSON"},
      {"100,000 nested arrays", nested(100000), "nested deeper than 64"},
      {"nested arrays as a field", replaced(good, "\"hidden\": 4", "\"hidden\": " + nested(5000)),
       "nested deeper than 64"},
      {"an array for a width", replaced(good, "\"hidden\": 4", "\"hidden\": " + zeros(100000)),
       "\"hidden\" must be an integer, got an array of 100000"},
      {"a huge parameter array",
       replaced(good, "\"params\": [", "\"params\": [" + repeated("0,", 2000000)),
       "parameters, the network needs"},
      {"a string for a width", replaced(good, "\"hidden\": 4", "\"hidden\": \"4\""),
       "\"hidden\" must be an integer, got \"4\""},
      {"a number for the method", replaced(good, "\"method\": \"fm\"", "\"method\": 7"),
       "malformed model file"},
      {"an object for the stages", replaced(good, "\"stages\": [", "\"stagez\": ["), "stages"},
      {"NaN literal", replaced(good, "\"lr\": ", "\"lr\": NaN, \"x\": "), "invalid JSON"},
      {"Infinity literal", replaced(good, "\"params\": [", "\"params\": [Infinity,"),
       "invalid JSON"},
      {"1e999", replaced(good, "\"sigma\": 0.0", "\"sigma\": 1e999"), "invalid JSON"},
      {"another format", replaced(good, "flowlab-model", "flowlab-modle"), "not a flowlab model"},
      {"a newer version", replaced(good, "\"version\": 1", "\"version\": 7"),
       "model format version 7 needs a newer flowlab (this one reads version 1)"},
      {"an older version", replaced(good, "\"version\": 1", "\"version\": 0"), "not supported"},
      {"parameters for another width", replaced(good, "\"hidden\": 4", "\"hidden\": 5"),
       "parameters, the network needs"},
      {"an absurd width", replaced(good, "\"hidden\": 4", "\"hidden\": 1000000000"),
       "\"hidden\" must be at most 4096"},
      {"an absurd depth", replaced(good, "\"layers\": 1", "\"layers\": 100000"),
       "\"layers\" must be at most 64"},
      {"a network too large to allocate",
       replaced(replaced(good, "\"hidden\": 4", "\"hidden\": 4096"), "\"layers\": 1",
                "\"layers\": 64"),
       "parameters, at most 50000000"},
      {"more stages than the method trains",
       replaced(good, "\"stages\": [", "\"stages\": [" + Bytes(16, ' ') + "{}, {}, "),
       "stages, the config has 1"},
      {"absurd reflow rounds", replaced(good, "\"reflow\": 0", "\"reflow\": 99999"),
       "\"reflow\" must be at most 16"},
      {"escape codes and a newline in a word",
       replaced(good, "\"method\": \"fm\"", "\"method\": \"f\\n\\u001b[31mm\""),
       "unknown method \"f??[31mm\""},
      {"a megabyte word",
       replaced(good, "\"method\": \"fm\"", "\"method\": \"" + Bytes(1 << 20, 'x') + "\""),
       "(1048576 bytes)"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    const std::string file = tempPath("hostile_model.json");
    writeBytes(file, row.bytes);
    checkRefused({"sample", file, "--n", "3", "--out", out}, file, row.mentions, out);
    checkRefused({"logp", file, "--in", in, "--out", out}, file, row.mentions, out);
    std::remove(file.c_str());
  }
  std::remove(in.c_str());
}

TEST_CASE("hostile session files: refused by train --resume and by the model readers") {
  const Bytes good = trainedFile("session.flowlab", {"--target", "moons"});
  const std::string seed = tempPath("hostile_seed.csv");
  writeBytes(seed, "x,y\n0,0\n1,1\n-1,2\n2,0.5\n");
  const Bytes points = trainedFile("points.flowlab", {"--target-points", seed});
  std::remove(seed.c_str());
  const std::string out = tempPath("hostile_out.flowlab"), outCsv = tempPath("hostile_out.csv");
  Bytes escapedWord = good;  // the first random-state word, behind an escape sequence
  escapedWord.insert(good.find('"', good.find("\"words\": [") + 10) + 1, "\\u001b[2J");
  const std::vector<Row> rows = {
      {"random bytes", randomBytes(4096, 2), "invalid JSON"},
      {"empty", "", "invalid JSON"},
      {"truncated", good.substr(0, good.size() * 2 / 3), "invalid JSON"},
      {"100,000 nested arrays as the view",
       replaced(good, "\"view\": {", "\"view\": {\"a\": " + nested(100000) + ", "),
       "nested deeper than 64"},
      {"a newer version", replaced(good, "\"version\": 1", "\"version\": 2"),
       "session format version 2 needs a newer flowlab (this one reads version 1)"},
      {"another format", replaced(good, "flowlab-session", "flowlab-sessio"), "not a flowlab"},
      {"a list for the view", replaced(good, "\"view\": {", "\"view\": [], \"x\": {"),
       "\"view\" must be an object", false},
      {"a grid of absurd size",
       replaced(good, "\"kind\": \"builtin\"",
                "\"kind\": \"grid\", \"width\": 65536, \"height\": 65536, \"box\": [0, 0, 1, 1], "
                "\"weights\": \"\""),
       "cells, at most 4000000", false},
      {"more points than flowlab reads", replaced(points, "\"count\": 4", "\"count\": 10000001"),
       "\"count\" must be at most 10000000", false},
      {"points that disagree with their count", replaced(points, "\"count\": 4", "\"count\": 5"),
       "an array has 8 values", false},
      {"Infinity in the charts", replaced(good, "\"metrics\": [", "\"metrics\": [Infinity, "),
       "invalid JSON"},
      {"a width the parameters do not fit", replaced(good, "\"hidden\": 4", "\"hidden\": 6"),
       "parameters, the network needs"},
      {"an absurd stage count", replaced(good, "\"reflow\": 0", "\"reflow\": 1000000"),
       "\"reflow\" must be at most 16"},
      {"a random-state word with escapes", escapedWord, "16 hex digits", false},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    const std::string file = tempPath("hostile_session.flowlab");
    writeBytes(file, row.bytes);
    checkRefused({"train", "--resume", file, "--steps", "1", "--out", out}, file, row.mentions,
                 out);
    if (row.modelReaders)
      checkRefused({"sample", file, "--n", "3", "--out", outCsv}, file, row.mentions, outCsv);
    std::remove(file.c_str());
  }
  // The rows above start from files that load: the table checks what it means to.
  const std::string file = tempPath("hostile_session.flowlab");
  writeBytes(file, good);
  checkAccepted({"train", "--resume", file, "--steps", "1", "--quiet", "--out", out}, out);
  std::remove(file.c_str());
}

// A model for logp to read, written once for the suite.
const std::string& pointsModel() {
  static const std::string path = [] {
    const std::string p = tempPath("hostile_points_model.json");
    writeBytes(p, trainedFile("points_model.json", {"--target", "moons"}));
    return p;
  }();
  return path;
}

TEST_CASE("hostile points files: refused by train --target-points and by logp --in") {
  const std::string out = tempPath("hostile_out.json"), logpOut = tempPath("hostile_logp.csv");
  const std::vector<Row> csv = {
      {"empty", "", "empty file"},
      {"NaN", "x,y\n1,nan\n", "line 2: expected two finite numbers"},
      {"Inf", "x,y\n1,2\ninf,0\n", "line 3: expected two finite numbers"},
      {"1e999", "x,y\n1e999,0\n", "line 2: expected two finite numbers"},
      {"beyond ±1e6", "x,y\n0,-2e6\n", "line 2: a coordinate beyond"},
      {"text", "x,y\nhello,world\n", "line 2: expected two finite numbers"},
      {"a missing column", "x,y\n1\n", "line 2: expected two finite numbers"},
      {"an extra column", "x,y,z\n1,2,3\n", "line 1: expected the header"},
      {"random bytes", randomBytes(4096, 3), "expected the header"},
      {"a byte-order mark", "\xEF\xBB\xBFx,y\n1,2\n", "byte-order mark"},
      {"old Mac line ends (CR alone)", "x,y\r1,2\r", "line 1: expected the header"},
      {"no points", "x,y\n\n", "no points after the header"},
  };
  const std::vector<Row> npys = {
      {"random bytes", randomBytes(4096, 4), "not a NumPy .npy file"},
      {"empty", "", "not a NumPy .npy file"},
      {"int64", npy(dict("<i8", "False", "(1, 2)"), Bytes(16, '\0')), "npy dtype '<i8'"},
      {"big-endian float64", npy(dict(">f8", "False", "(1, 2)"), Bytes(16, '\0')),
       "npy dtype '>f8'"},
      {"Fortran order", npy(dict("<f8", "True", "(1, 2)"), doubles({1, 2})), "Fortran-order"},
      {"three columns", npy(dict("<f8", "False", "(1, 3)"), doubles({1, 2, 3})),
       "(1, 3) is not N x 2"},
      {"one dimension", npy(dict("<f8", "False", "(2,)"), doubles({1, 2})), "is not N x 2"},
      {"three dimensions", npy(dict("<f8", "False", "(1, 1, 2)"), doubles({1, 2})), "is not N x 2"},
      {"truncated data", npy(dict("<f8", "False", "(3, 2)"), doubles({1, 2, 3})),
       "the shape needs 48"},
      {"NaN", npy(dict("<f8", "False", "(1, 2)"), doubles({1, std::nan("")})), "is not finite"},
      {"10^7 + 1 rows (the header says so)", npy(dict("<f4", "False", "(10000001, 2)"), ""),
       "10000001 points, more than the 10000000"},
      {"a header that lies about its length", Bytes("\x93NUMPY\x01\x00\xff\xff{'descr'", 17),
       "truncated npy header"},
      {"format version 9", Bytes("\x93NUMPY\x09\x00\x10\x00", 10) + Bytes(16, ' '),
       "npy format version 9"},
  };
  for (const auto& [rows, name] : {std::pair{&csv, "hostile.csv"}, std::pair{&npys, "hostile.npy"}})
    for (const Row& row : *rows) {
      CAPTURE(row.what);
      const std::string file = tempPath(name);
      writeBytes(file, row.bytes);
      checkRefused(tinyTrain({"--target-points", file}, out), file, row.mentions, out);
      checkRefused({"logp", pointsModel(), "--in", file, "--out", logpOut}, file, row.mentions,
                   logpOut);
      std::remove(file.c_str());
    }
}

TEST_CASE("10^7 + 1 rows of CSV: one point over the cap, refused at that row (40 MB)") {
  const std::string file = tempPath("hostile_rows.csv"), out = tempPath("hostile_out.json");
  {
    Bytes rows = "x,y\n";
    rows.reserve(4 + 4 * 10'000'001);
    for (long i = 0; i <= core::kMaxPointsInFile; ++i) rows += "0,0\n";
    writeBytes(file, rows);
  }
  checkRefused(tinyTrain({"--target-points", file}, out), file,
               "more than 10000000 points, more than flowlab reads", out);
  std::remove(file.c_str());
}

TEST_CASE("a 100 MB line is refused at the line cap, not read whole (a sparse file of NULs)") {
  const std::string file = tempPath("hostile_long_line.csv"), out = tempPath("hostile_out.json"),
                    logpOut = tempPath("hostile_logp.csv");
  writeBytes(file, "x,y\n");
  fs::resize_file(file, 4 + (std::uintmax_t{100} << 20));
  checkRefused(tinyTrain({"--target-points", file}, out), file, "line 2: longer than 4096 bytes",
               out);
  checkRefused({"logp", pointsModel(), "--in", file, "--out", logpOut}, file,
               "line 2: longer than 4096 bytes", logpOut);
  std::remove(file.c_str());
}

TEST_CASE("points a user expects to work: CRLF line ends, spaces, no final newline, .npy v1") {
  const std::string out = tempPath("hostile_out.json"), logpOut = tempPath("hostile_logp.csv");
  const std::string file = tempPath("hostile_crlf.csv");
  writeBytes(file, "x,y\r\n0,0\r\n 1 , 1 \r\n-1,2\r\n2,0.5");
  checkAccepted(tinyTrain({"--target-points", file}, out), out);
  checkAccepted({"logp", pointsModel(), "--in", file, "--out", logpOut}, logpOut);
  const std::string n = tempPath("hostile_ok.npy");
  writeBytes(n, npy(dict("<f8", "False", "(3, 2)"), doubles({0, 0, 1, 1, -1, 2})));
  checkAccepted(tinyTrain({"--target-points", n}, out), out);
  checkAccepted({"logp", pointsModel(), "--in", n, "--out", logpOut}, logpOut);
  for (const auto& f : {file, n}) std::remove(f.c_str());
}

TEST_CASE("hostile pictures: refused by train --target-image") {
  const std::string out = tempPath("hostile_out.json");
  const Bytes grey = png(2, 2, 8, 0, {"\x10\x80", "\xff\x00"});
  // GIF89a, 1 x 1, a two-colour table, one white pixel (GIF89a specification).
  const Bytes gif(
      "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00"
      "\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00;",
      35);
  const std::vector<Row> rows = {
      {"a PNG header claiming 30000 x 30000", png(30000, 30000, 8, 0, {"\x00"}),
       "30000 x 30000 pixels, more than the 40 million"},
      {"a PNG header claiming 100000 x 100000 (past stb's own 2^30 bytes)",
       png(100000, 100000, 8, 0, {"\x00"}), "cannot decode"},
      {"a JPEG frame claiming 65535 x 65535", jpegClaiming(jpeg(8, 8), 65535, 65535),
       "65535 x 65535 pixels, more than the 40 million"},
      {"a truncated PNG", grey.substr(0, grey.size() - 20), "cannot decode"},
      {"a truncated JPEG", jpeg(16, 16).substr(0, 200), "cannot decode"},
      {"zero bytes", "", "cannot decode as an image (not a PNG or JPEG file)"},
      {"a PNG of 0 x 0", png(0, 0, 8, 0, {}), "cannot decode"},
      {"all black", png(2, 2, 8, 0, {Bytes(2, '\0'), Bytes(2, '\0')}),
       "every pixel is black or transparent"},
      {"all transparent", png(1, 1, 8, 6, {Bytes("\xff\xff\xff\x00", 4)}),
       "every pixel is black or transparent"},
      {"a GIF named .png", gif, "not a PNG or JPEG file"},
      {"random bytes", randomBytes(4096, 5), "not a PNG or JPEG file"},
      {"a PNG signature then random bytes", "\x89PNG\r\n\x1a\n" + randomBytes(4096, 6),
       "cannot decode"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    const std::string file = tempPath("hostile.png");
    writeBytes(file, row.bytes);
    checkRefused(tinyTrain({"--target-image", file}, out), file, row.mentions, out);
    std::remove(file.c_str());
  }
  const std::string folder = tempPath("hostile_folder.png");
  fs::create_directories(folder);
  checkRefused(tinyTrain({"--target-image", folder}, out), folder, "not a regular file", out);
  fs::remove_all(folder);
}

TEST_CASE("pictures a user expects to work: 16-bit, palette, grey+alpha PNGs and JPEG") {
  const std::string out = tempPath("hostile_out.json");
  const std::vector<std::pair<std::string, Bytes>> rows = {
      {"16-bit grey",
       png(2, 2, 16, 0, {Bytes("\xff\xff\x00\x01", 4), Bytes("\x80\x00\x10\x00", 4)})},
      {"palette", png(2, 2, 8, 3, {Bytes("\x00\x01", 2), Bytes("\x01\x00", 2)},
                      chunk("PLTE", Bytes("\x00\x00\x00\xff\xff\xff", 6)))},
      {"grey+alpha", png(2, 1, 8, 4, {Bytes("\xc8\xff\x64\x80", 4)})},
      {"16-bit RGBA", png(1, 1, 16, 6, {Bytes("\xff\xff\x00\x00\x00\x00\xff\xff", 8)})},
      {"JPEG", jpeg(8, 8)},
  };
  for (const auto& [what, bytes] : rows) {
    CAPTURE(what);
    const std::string file = tempPath(what == "JPEG" ? "hostile_ok.jpg" : "hostile_ok.png");
    writeBytes(file, bytes);
    checkAccepted(tinyTrain({"--target-image", file}, out), out);
    std::remove(file.c_str());
  }
}

// Every input the fuzzers start from (tests/fuzz/corpus/) and every one that once crashed a
// loader (tests/fuzz/regressions/, named by the fix), through the loader its harness calls: each
// loads or is refused with an exception, never worse. The seeds of sound files must load.
TEST_CASE("the fuzzers' seeds and crash regressions replay through the loaders") {
  const fs::path fuzz = fs::path(__FILE__).parent_path() / "../../fuzz";
  const std::vector<std::pair<std::string, std::function<void(const Bytes&)>>> loaders = {
      {"model_json", [](const Bytes& b) { core::modelFromJsonText(b, "replay.json"); }},
      {"session_json", [](const Bytes& b) { core::sessionFromJsonText(b, "replay.flowlab"); }},
      {"points_csv", [](const Bytes& b) { core::pointsFromCsvText(b, "replay.csv"); }},
      {"npy", [](const Bytes& b) { core::npyPointsFromBytes(b, "replay.npy"); }},
      {"image",
       [](const Bytes& b) {
         if (!b.empty())
           core::ImageTarget::fromBytes(b.substr(1), "replay.png", core::Box{}, (b[0] & 1) != 0,
                                        (b[0] & 2) != 0 ? 3 : 256);
       }},
  };
  int replayed = 0;
  for (const auto& [target, load] : loaders)
    for (const char* kind : {"corpus", "regressions"}) {
      std::error_code ec;
      for (const auto& entry : fs::directory_iterator(fuzz / kind / target, ec)) {
        CAPTURE(entry.path().string());
        const Bytes bytes = core::readTextFile(entry.path().string());
        ++replayed;
        try {
          load(bytes);
        } catch (const std::exception& e) {
          // Refused: fine for anything but a sound seed (the corpus's files named as such).
          const std::string name = entry.path().filename().string();
          const bool sound = std::string(kind) == "corpus" &&
                             name.find("nan") == std::string::npos &&
                             name.find("fortran") == std::string::npos &&
                             name.find("bigendian") == std::string::npos;
          INFO(e.what());
          CHECK_FALSE(sound);
        }
      }
    }
  CHECK(replayed >= 20);
}
