// The view worker's point jobs: points carried by the flow — the particles with their pathlines,
// and the warped grid's vertices — cached at uniform knot times, computed a chunk at a time and
// published once every column is done with one snapshot's weights. GL-free; worker thread only
// (a published ParticleTable is immutable).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "core/view/particle_table.hpp"
#include "core/view/view_job.hpp"

namespace flowlab::core {

// Identity of what a particle table holds, apart from the weights it was computed with.
struct TableKey {
  int count = 0;
  FlowDirection direction = FlowDirection::Generate;
  bool logDensity = false;
  int knots = 0;
  std::uint64_t seed = 0;
  Box box{};                   // warped grid only
  int lines = 0, perLine = 0;  // warped grid only
  bool continuous = true;
  std::uint64_t targetVersion = 0;  // Normalize starts from target samples
  bool operator==(const TableKey& o) const {
    return count == o.count && direction == o.direction && logDensity == o.logDensity &&
           knots == o.knots && seed == o.seed && sameBox(box, o.box) && lines == o.lines &&
           perLine == o.perLine && continuous == o.continuous && targetVersion == o.targetVersion;
  }
};

// Start points of a warped grid: `lines` lines along x, then `lines` along y, each of
// `perLine` vertices, over box: 2×(2·lines·perLine).
Points gridStarts(const Box& box, int lines, int perLine);

// The table of `starts` (2×N, at t = 0) carried forward in one piece with the given weights:
// `knots` RK4 steps over [0, 1] (a discrete flow: t = 1 only). Caller's thread.
ParticleTable carriedTable(const TrainerConfig& config, const ParamVec& params,
                           const Points& starts, int knots);

// Builds the table of one key with one snapshot's weights, chunk by chunk, and keeps the last
// complete one.
class TableBuilder {
 public:
  // One bounded piece of work (about chunkSeconds) towards the table of `key` with the weights
  // of `in`; makeStarts() gives the 2×key.count start points when the key changes.
  void step(const ViewInputs& in, const TableKey& key, const std::function<Points()>& makeStarts,
            double chunkSeconds);
  // Whether the last complete table is the one of `key` with snapshot `version`.
  bool current(std::uint64_t version, const TableKey& key) const {
    return done_ && doneVersion_ == version && doneKey_ == key;
  }
  const std::shared_ptr<const ParticleTable>& done() const { return done_; }
  const TableKey& doneKey() const { return doneKey_; }
  void clear();

 private:
  TableKey key_;               // of the table being built
  std::uint64_t version_ = 0;  // snapshot version of the table being built
  bool building_ = false;
  ParticleTable work_;
  int next_ = 0;     // first column still to compute
  int chunk_ = 256;  // columns per piece, sized from the measured cost
  std::shared_ptr<const ParticleTable> done_;
  TableKey doneKey_;
  std::uint64_t doneVersion_ = 0;
};

// Particles and their pathlines (the first pathCount of them), from the base (Generate) or the
// target (Normalize).
class ParticlesJob final : public ViewJob {
 public:
  bool wanted(const ViewInputs& in) const override;
  bool current(const ViewInputs& in) const override;
  void step(const ViewInputs& in, double chunkSeconds) override;
  void publish(ViewFrame& frame) const override { frame.particles = table_.done(); }
  void clear() override { table_.clear(); }

 private:
  static TableKey keyFor(const ViewInputs& in);
  TableBuilder table_;
};

// The warped grid: a regular grid of base points carried to t.
class WarpedGridJob final : public ViewJob {
 public:
  bool wanted(const ViewInputs& in) const override { return in.request.warpedGrid; }
  bool current(const ViewInputs& in) const override;
  void step(const ViewInputs& in, double chunkSeconds) override;
  void publish(ViewFrame& frame) const override;
  void clear() override { table_.clear(); }

 private:
  static TableKey keyFor(const ViewInputs& in);
  TableBuilder table_;
};

}  // namespace flowlab::core
