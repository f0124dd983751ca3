// What flowlab exports for other tools, by the file's extension: CSV (with a header) or NumPy
// .npy (float32 unless said, C order, readable by numpy.load without pickle). The CLI and the
// app's Export section write the same files. Every write is atomic (file_io.hpp); errors are
// std::runtime_error naming the file. Any thread.
#pragma once

#include <string>
#include <vector>

#include "core/eval/density_grid.hpp"
#include "core/eval/held_out_nll.hpp"
#include "core/ode/ode.hpp"
#include "core/training/snapshot.hpp"

namespace flowlab::core {

// Whether `path` ends in .csv or .npy (what every export below takes).
bool isTableExportPath(const std::string& path);

// Points (2×N): CSV x,y, or N×2.
void writePointsFile(const std::string& path, const Points& points);
// K states of N points at `times`: CSV point,t,x,y (a row per point and time), or K×N×2.
void writeTrajectoryFile(const std::string& path, const std::vector<double>& times,
                         const std::vector<Points>& states);
// A grid of values at cell centres (row 0 at the bottom, y0): CSV x,y,<name> (a row per cell,
// bottom row first), or H×W.
void writeGridFile(const std::string& path, const DensityGrid& grid, const std::string& name);
// The loss per training step: CSV step,loss, or N×2 float64 (step, loss).
void writeLossFile(const std::string& path, const std::vector<LossSample>& loss);
// The held-out metrics: CSV step,stage,w2,w2_floor,nll,nll_train_solver,straightness,nfe (empty
// where none), or N×8 float64 in that column order (NaN where none; stage counted from 1).
void writeMetricsFile(const std::string& path, const std::vector<MetricSample>& metrics);
// `flowlab train --eval-every`'s held-out checkpoints: CSV as checkpointsCsv, or N×8 float64 in
// its column order.
void writeCheckpointsFile(const std::string& path, const std::vector<NllCheckpoint>& rows);

}  // namespace flowlab::core
