// image_target.cpp: the piecewise-constant image density — validation, sampling, exact log
// density, and loading PNG/JPG files through stb_image.
#include <stb_image.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <stdexcept>

#include "core/targets/target_math.hpp"
#include "core/targets/targets.hpp"

namespace flowlab::core {

namespace {

using detail::kNegInf;

// Area-weighted box filter of a row-major w×h grid down to nw×nh (x pass, then y pass). Output
// sample k of an axis averages the input interval [k·s, (k+1)·s) with s = count/outCount,
// counting partly covered inputs by their covered fraction, so the geometry is kept exactly.
std::vector<float> boxDownsample(const std::vector<float>& src, int w, int h, int nw, int nh) {
  const auto filter = [](const float* in, int count, std::ptrdiff_t stride, float* out,
                         int outCount, std::ptrdiff_t outStride) {
    const double scale = static_cast<double>(count) / outCount;
    for (int k = 0; k < outCount; ++k) {
      const double a = k * scale, b = (k + 1) * scale;
      double sum = 0.0;
      for (int i = static_cast<int>(std::floor(a));
           i < std::min(count, static_cast<int>(std::ceil(b))); ++i)
        sum += (std::min(b, i + 1.0) - std::max(a, static_cast<double>(i))) * in[i * stride];
      out[k * outStride] = static_cast<float>(sum / scale);
    }
  };
  std::vector<float> mid(static_cast<std::size_t>(nw) * h);
  for (int y = 0; y < h; ++y)
    filter(src.data() + static_cast<std::ptrdiff_t>(y) * w, w, 1,
           mid.data() + static_cast<std::ptrdiff_t>(y) * nw, nw, 1);
  std::vector<float> out(static_cast<std::size_t>(nw) * nh);
  for (int x = 0; x < nw; ++x) filter(mid.data() + x, h, nw, out.data() + x, nh, nw);
  return out;
}

}  // namespace

ImageTarget::ImageTarget(int width, int height, std::vector<float> weights, Box box,
                         std::string name)
    : width_(width),
      height_(height),
      weights_(std::move(weights)),
      box_(box),
      name_(std::move(name)) {
  if (width_ <= 0 || height_ <= 0)
    throw std::invalid_argument("ImageTarget: width and height must be positive");
  if (weights_.size() != static_cast<std::size_t>(width_) * static_cast<std::size_t>(height_))
    throw std::invalid_argument("ImageTarget: " + std::to_string(weights_.size()) +
                                " weights for a " + std::to_string(width_) + "x" +
                                std::to_string(height_) + " grid");
  if (!(std::isfinite(box_.x0) && std::isfinite(box_.x1) && std::isfinite(box_.y0) &&
        std::isfinite(box_.y1) && box_.valid()))
    throw std::invalid_argument("ImageTarget: the box is empty or not finite");
  cumulative_.resize(weights_.size());
  double total = 0.0;
  std::size_t lastPositive = 0;
  for (std::size_t k = 0; k < weights_.size(); ++k) {
    const float w = weights_[k];
    if (!std::isfinite(w) || w < 0.0f)
      throw std::invalid_argument("ImageTarget: weight " + std::to_string(k) +
                                  " is negative or not finite");
    total += w;
    cumulative_[k] = total;
    if (w > 0.0f) lastPositive = k;
  }
  if (!(total > 0.0)) throw std::invalid_argument("ImageTarget: all weights are zero");
  for (double& c : cumulative_) c /= total;
  // End exactly at 1 from the last positive cell on, so u ∈ [0, 1) never selects a trailing
  // zero cell despite rounding in the sums (upper_bound skips cells that add nothing).
  std::fill(cumulative_.begin() + static_cast<std::ptrdiff_t>(lastPositive), cumulative_.end(),
            1.0);
  logTotalWeight_ = std::log(total);
  logCellArea_ = std::log((box_.width() / width_) * (box_.height() / height_));
}

namespace {

// Cell column of x and cell row (from the bottom) of y, per the half-open cells of the header.
int cellIndex(double origin, double extent, int cells, double v) {
  const double t = std::floor((v - origin) / extent * cells);
  return static_cast<int>(std::clamp(t, -1.0, static_cast<double>(cells)));
}
int cellColumn(const Box& box, int width, double x) {
  return cellIndex(box.x0, box.width(), width, x);
}
int cellRow(const Box& box, int height, double y) {
  return cellIndex(box.y0, box.height(), height, y);
}

// The float nearest v whose cell (by `cell`) is `want`; rounding to float can move a point
// drawn near a cell edge into the neighbour, which may have zero weight. `increasing` says
// whether the cell index grows with the coordinate.
template <typename CellFn>
float floatInCell(double v, int want, bool increasing, CellFn cell) {
  float f = static_cast<float>(v);
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (int iter = 0; iter < 64; ++iter) {
    const int c = cell(static_cast<double>(f));
    if (c == want) break;
    f = std::nextafter(f, ((c < want) == increasing) ? kInf : -kInf);
  }
  return f;
}

}  // namespace

void ImageTarget::sample(Points& out, Rng& rng) const {
  const double dx = box_.width() / width_, dy = box_.height() / height_;
  for (Eigen::Index j = 0; j < out.cols(); ++j) {
    const double u = rng.uniform();
    const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
    const auto cell = static_cast<int>(std::min<std::ptrdiff_t>(
        it - cumulative_.begin(), static_cast<std::ptrdiff_t>(cumulative_.size()) - 1));
    const int col = cell % width_, row = cell / width_;
    const double x = box_.x0 + (col + rng.uniform()) * dx;
    const double y = box_.y0 + (row + rng.uniform()) * dy;
    out(0, j) = floatInCell(x, col, true, [&](double v) { return cellColumn(box_, width_, v); });
    out(1, j) = floatInCell(y, row, true, [&](double v) { return cellRow(box_, height_, v); });
  }
}

void ImageTarget::logDensity(const Points& x, Eigen::VectorXd& out) const {
  out.resize(x.cols());
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    const double px = x(0, j), py = x(1, j);
    const int col = cellColumn(box_, width_, px), row = cellRow(box_, height_, py);
    if (!box_.contains(px, py) || col < 0 || col >= width_ || row < 0 || row >= height_) {
      out(j) = kNegInf;
      continue;
    }
    const float w = weights_[static_cast<std::size_t>(row) * width_ + col];
    out(j) = w > 0.0f ? std::log(static_cast<double>(w)) - logTotalWeight_ - logCellArea_ : kNegInf;
  }
}

namespace {

// PNG's 8-byte signature or JPEG's start-of-image marker: the pictures flowlab reads. stb_image
// decodes more formats (GIF, BMP, PSD, TGA, HDR, PIC, PNM); none other reaches it.
bool isPngOrJpeg(const std::string& bytes) {
  return bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0 || bytes.compare(0, 3, "\xFF\xD8\xFF") == 0;
}

unsigned byteAt(const std::string& b, std::size_t i) {
  return i < b.size() ? static_cast<unsigned char>(b[i]) : 0u;  // stb reads 0 past the end
}

// Whether every Huffman table of a JPEG's DHT segments (FF C4) holds at most 256 codes, as ITU
// T.81 B.2.4.2 requires: stb_image as Debian 12 ships it (2022-09-08) builds a table from its
// 16 code counts without checking their sum, and writes past the table when it is over 256
// (found by fuzzing; stb checks since 2.28). The markers are walked as stb walks them: segments
// by their length, entropy-coded data byte by byte (FF 00 is a stuffed byte, FF D0–D7 a restart).
bool jpegHuffmanTablesFit(const std::string& b) {
  std::size_t at = 2;  // after SOI
  while (at + 1 < b.size()) {
    const unsigned marker = byteAt(b, at + 1);
    if (byteAt(b, at) != 0xFF || marker == 0xFF) {
      ++at;  // entropy-coded data, or fill bytes before a marker
      continue;
    }
    if (marker == 0xD9) return true;  // EOI: stb reads no further
    if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
      at += 2;  // no length: a stuffed byte, TEM, a restart or SOI
      continue;
    }
    const std::size_t end = at + 2 + ((byteAt(b, at + 2) << 8) | byteAt(b, at + 3));
    for (std::size_t p = at + 4; marker == 0xC4 && p < end && p < b.size();) {
      unsigned codes = 0;
      for (std::size_t i = 1; i <= 16; ++i) codes += byteAt(b, p + i);
      if (codes > 256) return false;
      p += 17 + codes;
    }
    at = end;
  }
  return true;
}

// Brightness is the Rec. 709 luminance of the stored (sRGB-encoded) values; alpha multiplies
// after the optional inversion, so transparent pixels carry no mass either way. Rows as stored
// (the top row first).
std::vector<float> brightness(const stbi_uc* p, int w, int h, int channels, bool invert) {
  std::vector<float> weights(static_cast<std::size_t>(w) * h);
  for (std::size_t k = 0; k < weights.size(); ++k, p += channels) {
    float lum = 0.0f, alpha = 1.0f;
    if (channels >= 3) {
      lum = (0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2]) / 255.0f;
      if (channels == 4) alpha = p[3] / 255.0f;
    } else {
      lum = p[0] / 255.0f;
      if (channels == 2) alpha = p[1] / 255.0f;
    }
    lum = std::clamp(lum, 0.0f, 1.0f);
    weights[k] = (invert ? 1.0f - lum : lum) * alpha;
  }
  return weights;
}

}  // namespace

std::shared_ptr<const ImageTarget> ImageTarget::fromFile(const std::string& path, Box box,
                                                         bool invert, int maxSide) {
  const auto fail = [&path](const std::string& problem) {
    return std::runtime_error("image target '" + path + "': " + problem);
  };
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw fail("no such file");
  if (!std::filesystem::is_regular_file(path, ec)) throw fail("not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw fail("cannot open");
  std::string bytes;
  std::vector<char> chunk(1 << 16);
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    bytes.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > kMaxImageFileBytes)
      throw fail("larger than " + std::to_string(kMaxImageFileBytes) +
                 " bytes, more than flowlab reads");
  }
  if (in.bad()) throw fail("read error");
  return fromBytes(bytes, path, box, invert, maxSide);
}

std::shared_ptr<const ImageTarget> ImageTarget::fromBytes(const std::string& bytes,
                                                          const std::string& path, Box box,
                                                          bool invert, int maxSide) {
  const auto fail = [&path](const std::string& problem) {
    return std::runtime_error("image target '" + path + "': " + problem);
  };
  if (maxSide < 1) throw fail("maxSide must be at least 1");
  if (bytes.size() > kMaxImageFileBytes)
    throw fail("larger than " + std::to_string(kMaxImageFileBytes) +
               " bytes, more than flowlab reads");
  if (!isPngOrJpeg(bytes)) throw fail("cannot decode as an image (not a PNG or JPEG file)");
  if (bytes.compare(0, 2, "\xFF\xD8") == 0 && !jpegHuffmanTablesFit(bytes))
    throw fail("cannot decode as an image (a JPEG Huffman table of more than 256 codes)");
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int size = static_cast<int>(bytes.size());
  const auto undecodable = [&] {
    const char* reason = stbi_failure_reason();
    return fail(std::string("cannot decode as an image (") + (reason ? reason : "unknown") + ")");
  };
  int w = 0, h = 0, channels = 0;
  // The header's size first: a small file may claim a picture of gigabytes.
  if (!stbi_info_from_memory(data, size, &w, &h, &channels)) throw undecodable();
  if (static_cast<long long>(w) * h > kMaxImagePixels)
    throw fail(std::to_string(w) + " x " + std::to_string(h) + " pixels, more than the " +
               std::to_string(kMaxImagePixels / 1000000) + " million flowlab reads");
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(data, size, &w, &h, &channels, 0), stbi_image_free);
  if (!pixels) throw undecodable();
  std::vector<float> weights = brightness(pixels.get(), w, h, channels, invert);
  pixels.reset();

  if (std::max(w, h) > maxSide) {
    const double scale = static_cast<double>(maxSide) / std::max(w, h);
    const int nw = std::clamp(static_cast<int>(std::lround(w * scale)), 1, maxSide);
    const int nh = std::clamp(static_cast<int>(std::lround(h * scale)), 1, maxSide);
    weights = boxDownsample(weights, w, h, nw, nh);
    w = nw;
    h = nh;
  }

  // Pictures store their top row first; the grid's row 0 is the bottom.
  for (int j = 0; j < h / 2; ++j)
    std::swap_ranges(weights.begin() + static_cast<std::ptrdiff_t>(j) * w,
                     weights.begin() + static_cast<std::ptrdiff_t>(j + 1) * w,
                     weights.begin() + static_cast<std::ptrdiff_t>(h - 1 - j) * w);
  if (std::none_of(weights.begin(), weights.end(), [](float v) { return v > 0.0f; }))
    throw fail(invert ? "every pixel is white or transparent (inverted brightness is zero)"
                      : "every pixel is black or transparent (brightness is zero)");
  try {
    return std::make_shared<const ImageTarget>(w, h, std::move(weights), box,
                                               std::filesystem::path(path).stem().string());
  } catch (const std::invalid_argument& e) {
    throw fail(e.what());
  }
}

}  // namespace flowlab::core
