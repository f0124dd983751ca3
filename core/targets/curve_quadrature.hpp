// Densities of noise around a curve, p(x) = ∫ w(s) K(x − c(s)) ds, by Gauss–Legendre panels.
//
// The moons, swissroll and 2spirals targets are a curve parameter s drawn from a known law w(s)
// plus independent noise with kernel K; their log densities are this 1-D integral. Nodes are
// built once (construction) and evaluated per point in double. Private to core/targets*.cpp
// and their tests; immutable after construction, safe to read from any thread.
#pragma once

#include <functional>
#include <vector>

namespace flowlab::core::detail {

struct CurvePoint {
  double x, y;
};

class CurveDensity {
 public:
  enum class Kernel {
    Gaussian,     // N(0, σ² I)
    BoxGaussian,  // U([0, side]²) ∗ N(0, σ² I): a square jitter, then Gaussian noise
  };

  CurveDensity(Kernel kernel, double sigma, double side = 0.0);

  // Adds ∫_{s0}^{s1} w(s) K(x − c(s)) ds, logW(s) = log w(s) (−∞ allowed), s0 < s1. Panels span
  // an arc length ≈ panelLength in world units (so the kernel width sets the resolution
  // wherever the curve runs fast or slow), each with an m-point Gauss–Legendre rule. For
  // BoxGaussian, c(s) is the lower-left corner of the jitter square.
  void addCurve(const std::function<CurvePoint(double)>& curve,
                const std::function<double(double)>& logW, double s0, double s1, double panelLength,
                int m);

  // log p(x, y), natural log; finite everywhere once a curve with positive weight is added.
  double logDensity(double x, double y) const;

  std::size_t nodeCount() const { return nodes_.size(); }

 private:
  // One node: p(x) ≈ Σ_i exp(logWeight_i) K(x − (x_i, y_i)).
  struct Node {
    double x, y, logWeight;
  };
  // The nodes of one panel with the box holding their kernels' centres (and squares), for
  // skipping whole panels far from the point.
  struct Chunk {
    double x0, y0, x1, y1, maxLogWeight;
    int begin, end;
  };

  // log(Φ(t/σ) − Φ((t − side)/σ)): one axis of the square kernel (times side), t = coordinate
  // minus the square's corner. Cubic Hermite interpolation of a table in |t − side/2| within
  // kTableHalfWidth σ of the centre (error < 1e-9), exact (four erfc) beyond.
  double logAxisFactor(double t) const;
  double chunkBound(const Chunk& c, double x, double y) const;
  double nodeBound(const Node& n, double x, double y) const;
  double nodeTerm(const Node& n, double x, double y) const;  // exact log term, log space

  Kernel kernel_;
  double sigma_, side_, inv2s2_, logNorm_;
  std::vector<double> tableValue_, tableSlope_;  // at d = k·tableStep_, d in units of σ
  double tableStep_ = 0.0;
  std::vector<Node> nodes_;
  std::vector<Chunk> chunks_;
};

}  // namespace flowlab::core::detail
