// Training and measuring a comparison (see comparison.hpp).
#include "core/compare/comparison.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "core/base/stopwatch.hpp"
#include "core/training/training_session.hpp"

namespace flowlab::core {
namespace {

using Clock = std::chrono::steady_clock;

std::string stageName(int stage) { return std::to_string(stage + 1) + "-RF"; }

// Trains one entry (every stage) and appends a row per stage.
class EntryRun {
 public:
  EntryRun(const TrainerConfig& config, std::shared_ptr<const Target> target, std::string prefix,
           const ComparisonSamples& samples, ComparisonStatus status,
           const ComparisonProgress& progress, Comparison& out)
      : config_(config),
        prefix_(std::move(prefix)),
        samples_(samples),
        status_(std::move(status)),
        progress_(progress),
        out_(out),
        session_(config, std::move(target)) {}

  void run() {
    for (;;) {
      trainStage();
      measureStage();
      if (session_.stage() + 1 >= session_.stageCount()) return;
      status_.phase = "reflow pairs";
      session_.advanceStage([&](double fraction) {
        status_.fraction = fraction;
        return report();
      });
    }
  }

 private:
  bool report() { return !progress_ || progress_(status_); }
  void check() {
    if (!report()) throw std::runtime_error("stopped");
  }

  void trainStage() {
    const bool rf = config_.method == Method::RectifiedFlow;
    status_.name = rf ? prefix_ + stageName(session_.stage()) : prefix_;
    status_.row = static_cast<int>(out_.rows.size());
    status_.phase = "training";
    status_.steps = config_.steps;
    const auto stageStart = Clock::now();
    auto lastReport = stageStart;
    long restores = 0;
    stageSeconds_ = 0.0;
    while (!session_.stageDone()) {
      const auto t0 = Clock::now();
      if (session_.step().restored && ++restores > 20)
        throw std::runtime_error(status_.name + ": training diverged (the loss is not finite)");
      stageSeconds_ += secondsSince(t0);
      if (Clock::now() - lastReport > std::chrono::milliseconds(200)) {
        status_.step = session_.stageStep();
        status_.seconds = secondsSince(stageStart);
        check();
        lastReport = Clock::now();
      }
    }
    status_.step = session_.stageStep();
  }

  void measureStage() {
    status_.phase = "measuring";
    check();
    ComparisonRow row;
    row.name = status_.name;
    row.trainingSteps = session_.stageStep();
    row.stepsPerSecond = stageSeconds_ > 0 ? row.trainingSteps / stageSeconds_ : 0.0;
    row.wallSeconds = secondsSince(start_);
    row.measured = measureEntry(config_, session_.params(), samples_, config_.threads);
    // The pairs this stage trained on, as lines from the first base points.
    row.couplingEnds = trainingCouplingEnds(config_, session_.stage(), samples_, previousEnds_,
                                            ComparisonRow::kCouplingLines);
    if (row.couplingEnds.cols() > 0)
      row.couplingCrossings = couplingCrossings(samples_.base, row.couplingEnds);
    previousEnds_ = row.measured.endpoints;
    out_.rows.push_back(std::move(row));
  }

  const TrainerConfig config_;
  const std::string prefix_;
  const ComparisonSamples& samples_;
  ComparisonStatus status_;
  const ComparisonProgress& progress_;
  Comparison& out_;
  TrainingSession session_;
  const Clock::time_point start_ = Clock::now();
  double stageSeconds_ = 0.0;
  Points previousEnds_;
};

}  // namespace

TrainerConfig entryConfig(const ComparisonPlan& plan, Method method) {
  TrainerConfig c = defaultConfig(method);
  if (plan.steps > 0) c.steps = plan.steps;
  c.seed = plan.seed;
  c.threads = plan.threads;
  if (method == Method::RectifiedFlow) {
    c.reflow = plan.reflow >= 0 ? plan.reflow : 1;
    if (plan.reflowPairs > 0) c.reflowPairs = plan.reflowPairs;
  }
  if (const std::string problem = validate(c); !problem.empty())
    throw std::invalid_argument(problem);
  return c;
}

Comparison runComparison(const ComparisonPlan& plan, std::shared_ptr<const Target> target,
                         const ComparisonProgress& progress) {
  if (!target) throw std::invalid_argument("compare: no target");
  std::vector<Method> methods = plan.methods;
  if (plan.reflow >= 0) methods = {Method::RectifiedFlow};
  if (methods.empty()) throw std::invalid_argument("compare: nothing to compare");
  std::vector<TrainerConfig> configs;
  for (Method m : methods) configs.push_back(entryConfig(plan, m));

  ComparisonStatus status;
  for (const TrainerConfig& c : configs) status.rows += stageCount(c);
  status.phase = "drawing the samples";
  if (progress && !progress(status)) throw std::runtime_error("stopped");
  const ComparisonSamples samples(*target, plan.n, plan.nllN, plan.seed);
  Comparison out;
  out.otLowerBound = samples.otLowerBound;
  out.otBoundError = samples.otBoundError;
  out.w2Floor = samples.w2Floor;
  out.n = plan.n;
  out.base = samples.base;
  out.target = samples.target;
  for (std::size_t e = 0; e < methods.size(); ++e) {
    const bool rf = methods[e] == Method::RectifiedFlow;
    // Names: "1-RF", "2-RF", … for reflow rounds; the method's name among methods ("rf 1-RF").
    std::string prefix = plan.reflow >= 0 ? "" : std::string(methodName(methods[e]));
    if (rf && !prefix.empty()) prefix += " ";
    EntryRun(configs[e], target, prefix, samples, status, progress, out).run();
  }
  return out;
}

}  // namespace flowlab::core
