// Field arrows and streamlines of v(·, t), and the flow's typical speed that scales them.
#include "core/view/field_jobs.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/base/grid_geometry.hpp"
#include "core/base/rng.hpp"
#include "core/eval/flow_evaluator.hpp"

namespace flowlab::core {

double typicalSpeedAt(const TrainerConfig& config, const ParamVec& params, double t,
                      std::uint64_t seed, int n) {
  FlowEvaluator flow(config, params);
  Points x(2, n);
  Rng(seed ^ 0x7e10c17eULL).fillNormal(x);
  if (t > 0.0) {
    const int steps = std::max(1, static_cast<int>(std::ceil(8.0 * t - 1e-9)));
    integrate(flow.velocityFn(), x, 0.0, t, SolverConfig::rk4(steps));
  }
  Points v;
  flow.velocity(x, t, v);
  std::vector<float> speeds;
  speeds.reserve(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < v.cols(); ++i) {
    const float s = v.col(i).norm();
    if (std::isfinite(s)) speeds.push_back(s);
  }
  if (speeds.empty()) return 0.0;
  auto mid = speeds.begin() + static_cast<std::ptrdiff_t>(speeds.size() / 2);
  std::nth_element(speeds.begin(), mid, speeds.end());
  return *mid;
}

// ---- Arrows ----------------------------------------------------------------------------------

bool FieldArrowsJob::current(const ViewInputs& in) const {
  const ViewRequest& r = in.request;
  return done_ && done_->stamp.snapshotVersion == in.stamp.snapshotVersion && done_->t == r.t &&
         done_->cols == r.fieldCols && done_->rows == r.fieldRows &&
         sameBox(done_->box, r.fieldBox);
}

void FieldArrowsJob::step(const ViewInputs& in, double) {
  const ViewRequest& r = in.request;
  auto field = std::make_shared<FieldSamples>();
  field->cols = r.fieldCols;
  field->rows = r.fieldRows;
  field->box = r.fieldBox;
  field->t = r.t;
  field->positions = GridGeometry{r.fieldBox, r.fieldCols, r.fieldRows}.cellCentres();
  const TrainerConfig& config = in.snapshot.model->config;
  FlowEvaluator flow(config, in.params);
  flow.velocity(field->positions, r.t, field->velocities);
  field->typicalSpeed = static_cast<float>(typicalSpeedAt(config, in.params, r.t, r.seed));
  field->stamp = in.stamp;
  done_ = std::move(field);
}

// ---- Streamlines -----------------------------------------------------------------------------

bool StreamlinesJob::current(const ViewInputs& in) const {
  const ViewRequest& r = in.request;
  return done_ && done_->stamp.snapshotVersion == in.stamp.snapshotVersion && done_->t == r.t &&
         sameBox(done_->lines.box, r.fieldBox) && seeds_ == r.streamlineSeeds;
}

void StreamlinesJob::step(const ViewInputs& in, double) {
  const ViewRequest& r = in.request;
  const Box& box = r.fieldBox;
  const double side = std::max(box.width(), box.height());
  const int seeds = std::max(1, r.streamlineSeeds);
  const int cols = std::max(1, static_cast<int>(std::lround(seeds * box.width() / side)));
  const int rows = std::max(1, static_cast<int>(std::lround(seeds * box.height() / side)));
  const TrainerConfig& config = in.snapshot.model->config;
  FlowEvaluator flow(config, in.params);
  const double t = r.t;
  // Steps of 1/200 of the view: smooth at any zoom; a line can cross the view twice.
  auto layer = std::make_shared<StreamlineLayer>();
  layer->lines =
      traceStreamlines([&](const Points& x, Points& v) { flow.velocity(x, t, v); },
                       jitteredGridSeeds(box, cols, rows, r.seed), box, side / 200.0, 300);
  layer->t = t;
  layer->typicalSpeed = static_cast<float>(typicalSpeedAt(config, in.params, t, r.seed));
  layer->stamp = in.stamp;
  done_ = std::move(layer);
  seeds_ = r.streamlineSeeds;
}

}  // namespace flowlab::core
