// Model files as versioned JSON (nlohmann::json). Every field is validated on load, so a
// hand-edited or truncated file gets one clear message instead of a crash.
#include "core/io/model_io.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/io/file_io.hpp"

namespace flowlab::core {
namespace {

using nlohmann::json;
constexpr const char* kFormat = "flowlab-model";

json solverJson(const SolverConfig& s) {
  return {{"solver", solverName(s.solver)},
          {"steps", s.steps},
          {"rtol", s.rtol},
          {"atol", s.atol},
          {"max_steps", s.maxSteps}};
}

SolverConfig solverFrom(const json& j) {
  SolverConfig s;
  const auto solver = parseSolver(j.at("solver").get<std::string>());
  if (!solver) throw std::runtime_error("unknown solver " + j.at("solver").get<std::string>());
  s.solver = *solver;
  s.steps = j.at("steps").get<int>();
  s.rtol = j.at("rtol").get<double>();
  s.atol = j.at("atol").get<double>();
  s.maxSteps = j.at("max_steps").get<int>();
  return s;
}

json configJson(const TrainerConfig& c) {
  return {
      {"method", methodName(c.method)},
      {"network",
       {{"hidden", c.mlp.hidden},
        {"layers", c.mlp.layers},
        {"activation", activationName(c.mlp.activation)},
        {"fourier", c.mlp.fourierFrequencies},
        {"time_input", c.mlp.timeInput}}},
      {"adam",
       {{"lr", c.adam.learningRate},
        {"beta1", c.adam.beta1},
        {"beta2", c.adam.beta2},
        {"eps", c.adam.epsilon},
        {"weight_decay", c.adam.weightDecay},
        {"clip", c.adam.maxGradNorm}}},
      {"schedule", c.schedule == LrSchedule::Cosine ? "cosine" : "constant"},
      {"batch", c.batch},
      {"steps", c.steps},
      {"seed", c.seed},
      {"threads", c.threads},
      {"sigma", c.sigma},
      {"reflow", c.reflow},
      {"reflow_pairs", c.reflowPairs},
      {"pair_solver", solverJson(c.pairSolver)},
      {"cnf",
       {{"solver", solverJson(c.cnf.solver)},
        {"trace", c.cnf.trace == TraceEstimator::Exact ? "exact" : "hutchinson"},
        {"probe", c.cnf.probe == HutchinsonProbe::Gaussian ? "gaussian" : "rademacher"},
        {"gradient", c.cnf.gradient == GradientMode::Backprop ? "backprop" : "adjoint"},
        {"kinetic", c.cnf.kineticWeight},
        {"jacobian", c.cnf.jacobianWeight}}},
      {"couplings", c.couplingLayers},
  };
}

TrainerConfig configFrom(const json& j) {
  TrainerConfig c;
  const auto method = parseMethod(j.at("method").get<std::string>());
  if (!method) throw std::runtime_error("unknown method " + j.at("method").get<std::string>());
  c.method = *method;
  const json& n = j.at("network");
  c.mlp.hidden = n.at("hidden").get<int>();
  c.mlp.layers = n.at("layers").get<int>();
  const auto act = parseActivation(n.at("activation").get<std::string>());
  if (!act) throw std::runtime_error("unknown activation " + n.at("activation").get<std::string>());
  c.mlp.activation = *act;
  c.mlp.fourierFrequencies = n.at("fourier").get<int>();
  c.mlp.timeInput = n.at("time_input").get<bool>();
  const json& a = j.at("adam");
  c.adam.learningRate = a.at("lr").get<double>();
  c.adam.beta1 = a.at("beta1").get<double>();
  c.adam.beta2 = a.at("beta2").get<double>();
  c.adam.epsilon = a.at("eps").get<double>();
  c.adam.weightDecay = a.at("weight_decay").get<double>();
  c.adam.maxGradNorm = a.at("clip").get<double>();
  const std::string schedule = j.at("schedule").get<std::string>();
  if (schedule != "cosine" && schedule != "constant")
    throw std::runtime_error("unknown schedule " + schedule);
  c.schedule = schedule == "cosine" ? LrSchedule::Cosine : LrSchedule::Constant;
  c.batch = j.at("batch").get<int>();
  c.steps = j.at("steps").get<long>();
  c.seed = j.at("seed").get<std::uint64_t>();
  c.threads = j.at("threads").get<int>();
  c.sigma = j.at("sigma").get<double>();
  c.reflow = j.at("reflow").get<int>();
  c.reflowPairs = j.at("reflow_pairs").get<int>();
  c.pairSolver = solverFrom(j.at("pair_solver"));
  const json& k = j.at("cnf");
  c.cnf.solver = solverFrom(k.at("solver"));
  c.cnf.trace = k.at("trace").get<std::string>() == "exact" ? TraceEstimator::Exact
                                                            : TraceEstimator::Hutchinson;
  c.cnf.probe = k.at("probe").get<std::string>() == "gaussian" ? HutchinsonProbe::Gaussian
                                                               : HutchinsonProbe::Rademacher;
  c.cnf.gradient = k.at("gradient").get<std::string>() == "backprop" ? GradientMode::Backprop
                                                                     : GradientMode::Adjoint;
  c.cnf.kineticWeight = k.at("kinetic").get<double>();
  c.cnf.jacobianWeight = k.at("jacobian").get<double>();
  c.couplingLayers = j.at("couplings").get<int>();
  return c;
}

}  // namespace

void saveModel(const Model& model, const std::string& path) {
  json stages = json::array();
  for (const Stage& s : model.stages) {
    if (!s.params.allFinite())
      throw std::runtime_error(path + ": refusing to save non-finite parameters");
    stages.push_back(
        {{"steps", s.stepsTrained},
         {"final_loss", std::isfinite(s.finalLoss) ? json(s.finalLoss) : json(nullptr)},
         {"train_seconds", s.trainSeconds},
         {"params", std::vector<float>(s.params.data(), s.params.data() + s.params.size())}});
  }
  const json doc = {{"format", kFormat},
                    {"version", Model::kFormatVersion},
                    {"target", model.target},
                    {"config", configJson(model.config)},
                    {"parameter_count", parameterCount(model.config)},
                    {"stages", std::move(stages)}};
  writeFileAtomically(path, doc.dump(1) + "\n");
}

Model loadModel(const std::string& path) {
  const std::string text = readTextFile(path);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(path + ": not a flowlab model (invalid JSON: " + e.what() + ")");
  }
  try {
    if (!doc.is_object() || doc.value("format", "") != kFormat)
      throw std::runtime_error("not a flowlab model (missing \"format\": \"flowlab-model\")");
    const int version = doc.at("version").get<int>();
    if (version != Model::kFormatVersion)
      throw std::runtime_error("model format version " + std::to_string(version) +
                               " is not supported (this flowlab reads version " +
                               std::to_string(Model::kFormatVersion) + ")");
    Model model;
    model.target = doc.at("target").get<std::string>();
    model.config = configFrom(doc.at("config"));
    if (const std::string problem = validate(model.config); !problem.empty())
      throw std::runtime_error("invalid training config: " + problem);
    const Eigen::Index count = parameterCount(model.config);
    const json& stages = doc.at("stages");
    if (!stages.is_array() || stages.empty()) throw std::runtime_error("no stages");
    for (const json& s : stages) {
      Stage stage;
      stage.stepsTrained = s.at("steps").get<long>();
      stage.finalLoss =
          s.at("final_loss").is_null() ? std::nan("") : s.at("final_loss").get<double>();
      stage.trainSeconds = s.at("train_seconds").get<double>();
      const auto params = s.at("params").get<std::vector<float>>();
      if (static_cast<Eigen::Index>(params.size()) != count)
        throw std::runtime_error("stage " + std::to_string(model.stages.size()) + " has " +
                                 std::to_string(params.size()) + " parameters, the network needs " +
                                 std::to_string(count));
      stage.params = Eigen::Map<const ParamVec>(params.data(), count);
      if (!stage.params.allFinite())
        throw std::runtime_error("stage " + std::to_string(model.stages.size()) +
                                 " has non-finite parameters");
      model.stages.push_back(std::move(stage));
    }
    return model;
  } catch (const json::exception& e) {
    throw std::runtime_error(path + ": malformed model file (" + e.what() + ")");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    if (what.rfind(path, 0) == 0) throw;
    throw std::runtime_error(path + ": " + what);
  }
}

}  // namespace flowlab::core
