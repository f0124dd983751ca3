// Session files as versioned JSON (see session_io.hpp).
#include "core/io/session_io.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "core/io/base64.hpp"
#include "core/io/file_io.hpp"
#include "core/io/json_fields.hpp"
#include "core/io/model_json.hpp"
#include "core/nn/kernel_set.hpp"
#include "core/targets/points_target.hpp"

namespace flowlab::core {
namespace {

using json_fields::integerField;
using json_fields::realField;
using nlohmann::json;
constexpr const char* kFormat = "flowlab-session";

json numberOrNull(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
double numberOrNan(const json& j, const char* key) {
  return j.at(key).is_null() ? std::nan("") : realField(j, key);
}

std::string utcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json targetJson(const Target& t) {
  if (const auto* image = dynamic_cast<const ImageTarget*>(&t)) {
    const Box b = image->bounds();
    return {{"kind", "grid"},
            {"name", image->name()},
            {"width", image->width()},
            {"height", image->height()},
            {"box", {b.x0, b.y0, b.x1, b.y1}},
            {"weights", floatsToBase64(image->weights().data(), image->weights().size())}};
  }
  if (const auto* points = dynamic_cast<const PointsTarget*>(&t)) {
    const Points& p = points->points();
    return {{"kind", "points"},
            {"name", points->name()},
            {"bandwidth", points->bandwidth()},
            {"count", p.cols()},
            {"points", floatsToBase64(p.data(), std::size_t(p.size()))}};
  }
  if (!makeBuiltinTarget(t.name()))
    throw std::runtime_error("the target \"" + t.name() + "\" cannot be stored in a session");
  return {{"kind", "builtin"}, {"name", t.name()}};
}

std::shared_ptr<const Target> gridFrom(const json& j) {
  const long w = integerField(j, "width", 1, 1 << 16), h = integerField(j, "height", 1, 1 << 16);
  if (w * h > kMaxSessionGridCells)
    throw std::runtime_error("the target grid has " + std::to_string(w * h) + " cells, at most " +
                             std::to_string(kMaxSessionGridCells));
  const json& box = j.at("box");
  if (!box.is_array() || box.size() != 4) throw std::runtime_error("\"box\" must hold 4 numbers");
  Box b{};
  double* corners[] = {&b.x0, &b.y0, &b.x1, &b.y1};
  for (std::size_t i = 0; i < 4; ++i) {
    if (!box[i].is_number() || !std::isfinite(box[i].get<double>()) ||
        std::abs(box[i].get<double>()) > kMaxCoordinate)
      throw std::runtime_error("\"box\" must hold finite coordinates within ±1e6");
    *corners[i] = box[i].get<double>();
  }
  auto weights = floatsFromBase64(j.at("weights").get<std::string>(), w * h);
  try {
    return std::make_shared<ImageTarget>(int(w), int(h), std::move(weights), b,
                                         j.at("name").get<std::string>());
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("the target grid: ") + e.what());
  }
}

std::shared_ptr<const Target> pointsFrom(const json& j) {
  const long n = integerField(j, "count", 1, kMaxPointsInFile);
  const auto values = floatsFromBase64(j.at("points").get<std::string>(), 2 * n);
  Points p = Eigen::Map<const Points>(values.data(), 2, n);
  if (!p.allFinite() || (p.array().abs() > float(kMaxCoordinate)).any())
    throw std::runtime_error("the target's points must be finite and within ±1e6");
  try {
    return std::make_shared<PointsTarget>(std::move(p), realField(j, "bandwidth"),
                                          j.at("name").get<std::string>());
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("the target points: ") + e.what());
  }
}

std::shared_ptr<const Target> targetFrom(const json& j) {
  const std::string kind = j.at("kind").get<std::string>();
  if (kind == "grid") return gridFrom(j);
  if (kind == "points") return pointsFrom(j);
  if (kind != "builtin")
    throw std::runtime_error("unknown target kind " + json_fields::quoted(kind) +
                             " (builtin, grid or points)");
  auto t = makeBuiltinTarget(j.at("name").get<std::string>());
  if (!t)
    throw std::runtime_error("unknown target " +
                             json_fields::quoted(j.at("name").get<std::string>()));
  return t;
}

std::string hex64(std::uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::uint64_t hex64From(const json& j) {
  const std::string s = j.get<std::string>();
  if (s.size() != 16 || s.find_first_not_of("0123456789abcdef") != std::string::npos)
    throw std::runtime_error("a random-state word must be 16 hex digits, got " +
                             json_fields::quoted(s));
  return std::stoull(s, nullptr, 16);
}

json optimizerJson(const TrainingCheckpoint& c) {
  json words = json::array();
  for (std::uint64_t w : c.rng.words) words.push_back(hex64(w));
  const auto floats = [](const ParamVec& v) {
    return floatsToBase64(v.data(), std::size_t(v.size()));
  };
  return {{"total_steps", c.totalSteps},
          {"last_good", floats(c.lastGood)},
          {"adam", {{"m", floats(c.adam.m)}, {"v", floats(c.adam.v)}, {"t", c.adam.t}}},
          {"rng",
           {{"words", words},
            {"spare", c.rng.hasSpareNormal ? json(c.rng.spareNormal) : json(nullptr)}}}};
}

void optimizerFrom(const json& j, TrainingCheckpoint& c) {
  const long n = long(parameterCount(c.model.config));
  const auto vec = [n](const json& o, const char* key) {
    const auto values = floatsFromBase64(o.at(key).get<std::string>(), n);
    ParamVec v = Eigen::Map<const ParamVec>(values.data(), n);
    if (!v.allFinite()) throw std::runtime_error(std::string("\"") + key + "\" is not finite");
    return v;
  };
  c.totalSteps = integerField(j, "total_steps", 0, 1000000000000L);
  c.lastGood = vec(j, "last_good");
  const json& adam = j.at("adam");
  c.adam = {vec(adam, "m"), vec(adam, "v"), integerField(adam, "t", 0, 1000000000000L)};
  const json& rng = j.at("rng");
  const json& words = rng.at("words");
  if (!words.is_array() || words.size() != 4)
    throw std::runtime_error("\"words\" must hold 4 hex strings");
  for (std::size_t i = 0; i < 4; ++i) c.rng.words[i] = hex64From(words[i]);
  c.rng.hasSpareNormal = !rng.at("spare").is_null();
  c.rng.spareNormal = c.rng.hasSpareNormal ? realField(rng, "spare") : 0.0;
}

json chartsJson(const Session& s) {
  std::vector<double> steps;
  std::vector<float> losses;
  for (const LossSample& l : s.loss) {
    steps.push_back(double(l.step));
    losses.push_back(l.loss);
  }
  json metrics = json::array();
  for (const MetricSample& m : s.metrics)
    metrics.push_back({{"step", m.step},
                       {"stage", m.stage},
                       {"w2", numberOrNull(m.w2)},
                       {"w2_floor", numberOrNull(m.w2Floor)},
                       {"nll", numberOrNull(m.nll)},
                       {"nll_train_solver", numberOrNull(m.nllTrainSolver)},
                       {"straightness", numberOrNull(m.straightness)},
                       {"nfe", m.nfe}});
  return {{"loss",
           {{"count", s.loss.size()},
            {"step", doublesToBase64(steps.data(), steps.size())},
            {"loss", floatsToBase64(losses.data(), losses.size())}}},
          {"metrics", metrics}};
}

void chartsFrom(const json& j, Session& s) {
  const json& loss = j.at("loss");
  const long n = integerField(loss, "count", 0, 100'000'000);
  const auto steps = doublesFromBase64(loss.at("step").get<std::string>(), n);
  const auto values = floatsFromBase64(loss.at("loss").get<std::string>(), n);
  for (long i = 0; i < n; ++i) {
    if (!(steps[std::size_t(i)] >= 0.0 && steps[std::size_t(i)] <= 1e12))
      throw std::runtime_error("a loss sample's step is out of range");
    s.loss.push_back({long(steps[std::size_t(i)]), values[std::size_t(i)]});
  }
  for (const json& m : j.at("metrics")) {
    MetricSample sample;
    sample.step = integerField(m, "step", 0, 1000000000000L);
    sample.stage = int(integerField(m, "stage", 0, 16));
    sample.w2 = numberOrNan(m, "w2");
    sample.w2Floor = numberOrNan(m, "w2_floor");
    sample.nll = numberOrNan(m, "nll");
    sample.nllTrainSolver = numberOrNan(m, "nll_train_solver");
    sample.straightness = numberOrNan(m, "straightness");
    sample.nfe = integerField(m, "nfe", 0, 1000000000000L);
    s.metrics.push_back(sample);
  }
}

json historyJson(const Session& s) {
  json entries = json::array();
  for (const HistoryEntry& e : s.history)
    entries.push_back(
        {{"stage", e.stage},
         {"step", e.step},
         {"total_steps", e.totalSteps},
         {"params", floatsToBase64(e.params->data(), std::size_t(e.params->size()))}});
  return {{"growth", s.historyGrowth}, {"entries", entries}};
}

// Entries must fit the network and come by stage, then step; at most kMaxHistoryEntries.
void historyFrom(const json& j, Session& s) {
  const long n = long(parameterCount(s.training.model.config));
  const long stages = long(s.training.model.stages.size());
  for (const json& g : j.at("growth")) {
    if (!g.is_number() || !(g.get<double>() > 1.0) || !std::isfinite(g.get<double>()))
      throw std::runtime_error("\"growth\" must hold numbers above 1");
    s.historyGrowth.push_back(g.get<double>());
  }
  const json& entries = j.at("entries");
  if (!entries.is_array() || entries.size() > kMaxHistoryEntries)
    throw std::runtime_error("\"entries\" must be an array of at most " +
                             std::to_string(kMaxHistoryEntries));
  for (const json& e : entries) {
    HistoryEntry h;
    h.stage = int(integerField(e, "stage", 0, stages - 1));
    h.step = integerField(e, "step", 0, 1000000000000L);
    h.totalSteps = integerField(e, "total_steps", 0, 1000000000000L);
    const auto values = floatsFromBase64(e.at("params").get<std::string>(), n);
    auto params = std::make_shared<ParamVec>(Eigen::Map<const ParamVec>(values.data(), n));
    if (!params->allFinite()) throw std::runtime_error("a history entry is not finite");
    h.params = std::move(params);
    const bool ordered = s.history.empty() || s.history.back().stage < h.stage ||
                         (s.history.back().stage == h.stage && s.history.back().step < h.step);
    if (!ordered) throw std::runtime_error("history entries must come by stage, then step");
    s.history.push_back(std::move(h));
  }
}

}  // namespace

void saveSession(const Session& session, const std::string& path) {
  if (!session.target) throw std::runtime_error(path + ": a session needs a target");
  json view;
  try {
    view = json::parse(session.view);
  } catch (const json::exception&) {
    view = nullptr;
  }
  if (!view.is_object()) throw std::runtime_error(path + ": the view settings are not an object");
  json doc;
  try {
    doc = {{"format", kFormat},
           {"version", Session::kFormatVersion},
           {"flowlab", FLOWLAB_VERSION},
           {"kernels", std::string(kernelSetName(activeKernelSet()))},
           {"seed", session.training.model.config.seed},
           {"saved_at", utcNow()},
           {"target", targetJson(*session.target)},
           {"model", modelJson(session.training.model, path)},
           {"optimizer", optimizerJson(session.training)},
           {"charts", chartsJson(session)},
           {"history", historyJson(session)},
           {"view", std::move(view)}};
  } catch (...) {
    rethrowNamingFile(path, "session");
  }
  writeFileAtomically(path, doc.dump(1) + "\n");
}

Session loadSession(const std::string& path) {
  return sessionFromJsonText(readBinaryFile(path, json_fields::kMaxJsonFileBytes), path);
}

Session sessionFromJsonText(const std::string& text, const std::string& path) {
  const json doc = json_fields::parse(text, path, "session");
  try {
    if (!doc.is_object() || doc.value("format", "") != kFormat)
      throw std::runtime_error("not a flowlab session (missing \"format\": \"flowlab-session\")");
    json_fields::checkVersion(doc, Session::kFormatVersion, "session");
    Session s;
    s.flowlabVersion = doc.at("flowlab").get<std::string>();
    s.kernels = doc.at("kernels").get<std::string>();
    s.savedAt = doc.at("saved_at").get<std::string>();
    s.target = targetFrom(doc.at("target"));
    s.training.model = modelFromJson(doc.at("model"));
    optimizerFrom(doc.at("optimizer"), s.training);
    chartsFrom(doc.at("charts"), s);
    if (doc.contains("history")) historyFrom(doc.at("history"), s);  // optional
    if (!doc.at("view").is_object()) throw std::runtime_error("\"view\" must be an object");
    s.view = doc.at("view").dump();
    return s;
  } catch (...) {
    rethrowNamingFile(path, "session");
  }
}

}  // namespace flowlab::core
