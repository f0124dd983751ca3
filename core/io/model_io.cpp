// Model files as versioned JSON (nlohmann::json). Every field is validated on load, so a
// hand-edited or truncated file gets one clear message instead of a crash.
#include "core/io/model_io.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/io/file_io.hpp"
#include "core/io/json_fields.hpp"
#include "core/io/model_json.hpp"

namespace flowlab::core {
namespace {

using json_fields::choiceField;
using json_fields::integerField;
using json_fields::realField;
using nlohmann::json;
constexpr const char* kFormat = "flowlab-model";
constexpr const char* kSessionFormat = "flowlab-session";

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
  if (!solver)
    throw std::runtime_error("unknown solver " +
                             json_fields::quoted(j.at("solver").get<std::string>()));
  s.solver = *solver;
  s.steps = static_cast<int>(integerField(j, "steps", 1, 100000));
  s.rtol = realField(j, "rtol");
  s.atol = realField(j, "atol");
  s.maxSteps = static_cast<int>(integerField(j, "max_steps", 1, 100000000));
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
  if (!method)
    throw std::runtime_error("unknown method " +
                             json_fields::quoted(j.at("method").get<std::string>()));
  c.method = *method;
  const json& n = j.at("network");
  c.mlp.hidden = static_cast<int>(integerField(n, "hidden", 1, 4096));
  c.mlp.layers = static_cast<int>(integerField(n, "layers", 1, 64));
  const auto act = parseActivation(n.at("activation").get<std::string>());
  if (!act)
    throw std::runtime_error("unknown activation " +
                             json_fields::quoted(n.at("activation").get<std::string>()));
  c.mlp.activation = *act;
  c.mlp.fourierFrequencies = static_cast<int>(integerField(n, "fourier", 0, 64));
  c.mlp.timeInput = n.at("time_input").get<bool>();
  const json& a = j.at("adam");
  c.adam.learningRate = realField(a, "lr");
  c.adam.beta1 = realField(a, "beta1");
  c.adam.beta2 = realField(a, "beta2");
  c.adam.epsilon = realField(a, "eps");
  c.adam.weightDecay = realField(a, "weight_decay");
  c.adam.maxGradNorm = realField(a, "clip");
  const std::string schedule = j.at("schedule").get<std::string>();
  if (schedule != "cosine" && schedule != "constant")
    throw std::runtime_error("unknown schedule " + json_fields::quoted(schedule));
  c.schedule = schedule == "cosine" ? LrSchedule::Cosine : LrSchedule::Constant;
  c.batch = static_cast<int>(integerField(j, "batch", 1, 65536));
  c.steps = integerField(j, "steps", 1, 1000000000000L);
  c.seed = static_cast<std::uint64_t>(integerField(j, "seed", 0, 0x7fffffffffffffffL));
  c.threads = static_cast<int>(integerField(j, "threads", 1, 256));
  c.sigma = realField(j, "sigma");
  c.reflow = static_cast<int>(integerField(j, "reflow", 0, 16));
  c.reflowPairs = static_cast<int>(integerField(j, "reflow_pairs", 1, 10000000));
  c.pairSolver = solverFrom(j.at("pair_solver"));
  const json& k = j.at("cnf");
  c.cnf.solver = solverFrom(k.at("solver"));
  c.cnf.trace = choiceField(k, "trace", "exact", "hutchinson") ? TraceEstimator::Exact
                                                               : TraceEstimator::Hutchinson;
  c.cnf.probe = choiceField(k, "probe", "gaussian", "rademacher") ? HutchinsonProbe::Gaussian
                                                                  : HutchinsonProbe::Rademacher;
  c.cnf.gradient = choiceField(k, "gradient", "backprop", "adjoint") ? GradientMode::Backprop
                                                                     : GradientMode::Adjoint;
  c.cnf.kineticWeight = realField(k, "kinetic");
  c.cnf.jacobianWeight = realField(k, "jacobian");
  c.couplingLayers = static_cast<int>(integerField(j, "couplings", 1, 64));
  return c;
}

}  // namespace

json modelJson(const Model& model, const std::string& path) {
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
  return {{"target", model.target},
          {"config", configJson(model.config)},
          {"parameter_count", parameterCount(model.config)},
          {"stages", std::move(stages)}};
}

Model modelFromJson(const json& doc) {
  Model model;
  model.target = doc.at("target").get<std::string>();
  model.config = configFrom(doc.at("config"));
  if (const std::string problem = validate(model.config); !problem.empty())
    throw std::runtime_error("invalid training config: " + problem);
  const Eigen::Index count = parameterCount(model.config);
  const json& stages = doc.at("stages");
  if (!stages.is_array() || stages.empty()) throw std::runtime_error("no stages");
  if (long(stages.size()) > stageCount(model.config))
    throw std::runtime_error(std::to_string(stages.size()) + " stages, the config has " +
                             std::to_string(stageCount(model.config)));
  for (const json& s : stages) {
    Stage stage;
    stage.stepsTrained = integerField(s, "steps", 0, 1000000000000L);
    stage.finalLoss = s.at("final_loss").is_null() ? std::nan("") : realField(s, "final_loss");
    stage.trainSeconds = realField(s, "train_seconds");
    const json& params = s.at("params");
    if (!params.is_array() || static_cast<Eigen::Index>(params.size()) != count)
      throw std::runtime_error("stage " + std::to_string(model.stages.size()) + " has " +
                               std::to_string(params.is_array() ? params.size() : 0) +
                               " parameters, the network needs " + std::to_string(count));
    const auto values = params.get<std::vector<float>>();
    stage.params = Eigen::Map<const ParamVec>(values.data(), count);
    if (!stage.params.allFinite())
      throw std::runtime_error("stage " + std::to_string(model.stages.size()) +
                               " has non-finite parameters");
    model.stages.push_back(std::move(stage));
  }
  return model;
}

[[noreturn]] void rethrowNamingFile(const std::string& path, const char* what) {
  try {
    throw;
  } catch (const json::exception& e) {
    throw std::runtime_error(path + ": malformed " + what + " file (" + e.what() + ")");
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    if (message.rfind(path, 0) == 0) throw;
    throw std::runtime_error(path + ": " + message);
  }
}

void saveModel(const Model& model, const std::string& path) {
  json doc = {{"format", kFormat}, {"version", Model::kFormatVersion}};
  doc.update(modelJson(model, path));
  writeFileAtomically(path, doc.dump(1) + "\n");
}

Model loadModel(const std::string& path) {
  return modelFromJsonText(readBinaryFile(path, json_fields::kMaxJsonFileBytes), path);
}

Model modelFromJsonText(const std::string& text, const std::string& path) {
  const json doc = json_fields::parse(text, path, "model");
  try {
    if (doc.is_object() && doc.value("format", "") == kSessionFormat) {
      json_fields::checkVersion(doc, kSessionFormatVersion, "session");
      return modelFromJson(doc.at("model"));
    }
    if (!doc.is_object() || doc.value("format", "") != kFormat)
      throw std::runtime_error("not a flowlab model (missing \"format\": \"flowlab-model\")");
    json_fields::checkVersion(doc, Model::kFormatVersion, "model");
    return modelFromJson(doc);
  } catch (...) {
    rethrowNamingFile(path, "model");
  }
}

}  // namespace flowlab::core
