// The view worker's particle job: points carried by the flow (particles and their pathlines, or
// the warped grid's vertices), computed a chunk at a time and refreshed block by block as new
// weights arrive. GL-free; worker thread only (a published ParticleTable is immutable).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/particle_table.hpp"
#include "core/snapshot.hpp"
#include "core/view_frame.hpp"

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
    return sameShape(o) && targetVersion == o.targetVersion;
  }
  // Equal but for the target: the start points change, the table's shape does not.
  bool sameShape(const TableKey& o) const {
    return count == o.count && direction == o.direction && logDensity == o.logDensity &&
           knots == o.knots && seed == o.seed && sameBox(box, o.box) && lines == o.lines &&
           perLine == o.perLine && continuous == o.continuous;
  }
};

// Start points of a warped grid: `lines` lines along x, then `lines` along y, each of
// `perLine` vertices, over box: 2×(2·lines·perLine).
Points gridStarts(const Box& box, int lines, int perLine);

class TableJob {
 public:
  static constexpr int kBlock = 256;  // columns refreshed together (one snapshot version each)

  // One bounded piece of work (about chunkSeconds) towards `key` with the snapshot's weights.
  // makeStarts() gives the 2×key.count start points when the key changes. Returns the table to
  // publish when something was computed, else null (every block is up to date).
  std::shared_ptr<const ParticleTable> step(const Snapshot& snap, const LayerStamp& stamp,
                                            const TableKey& key,
                                            const std::function<Points()>& makeStarts,
                                            double chunkSeconds);
  void clear() { active_ = false; }

 private:
  void restart(const TableKey& key, const std::function<Points()>& makeStarts);

  TableKey key_;
  bool active_ = false;
  ParticleTable work_;
  std::vector<std::uint64_t> version_;  // snapshot version per block of kBlock columns
  std::vector<std::chrono::steady_clock::time_point> seen_;
  int cursor_ = 0;
  int chunk_ = kBlock;
};

}  // namespace flowlab::core
