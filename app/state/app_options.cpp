// Parsing the desktop app's options with the CLI's strict option reader (core::Args).
#include "app/state/app_options.hpp"

#include <algorithm>
#include <sstream>

#include "app/state/solver_lab.hpp"
#include "core/cli/args.hpp"
#include "core/io/file_io.hpp"
#include "core/io/points_file.hpp"

namespace flowlab::app {

namespace {

using core::UsageError;

const std::vector<core::OptionSpec>& specs() {
  static const std::vector<core::OptionSpec> s{
      {"--target", 1},      {"--target-image", 1},  {"--invert", 0},
      {"--method", 1},      {"--target-points", 1}, {"--lr", 1},
      {"--batch", 1},       {"--hidden", 1},        {"--layers", 1},
      {"--activation", 1},  {"--seed", 1},          {"--reflow", 1},
      {"--steps", 1},       {"--paused", 0},        {"--width", 1},
      {"--height", 1},      {"--frames", 1},        {"--screenshot", 1},
      {"--canvas-only", 0}, {"--perf-report", 1},   {"--baseline-seconds", 1},
      {"--max-fps", 1},     {"--wait", 1},          {"--particles", 1},
      {"--t", 1},           {"--still", 0},         {"--show", 1},
      {"--paint", 3},       {"--paint-frame", 1},   {"--lab", 1},
      {"--compare", 0},     {"--scrub", 0},         {"--compare-methods", 1},
      {"--open", 1},        {"--state-dir", 1},     {"--autosave-seconds", 1},
      {"--save", 1}};
  return s;
}

// --lab SOLVER,N or --lab dopri5,TOL.
AppOptions::Lab labFrom(const core::Args& args) {
  const std::vector<std::string> words = args.list("--lab", {});
  const auto solver = words.size() == 2 ? core::parseSolver(words[0]) : std::nullopt;
  if (!solver)
    throw UsageError("--lab expects SOLVER,N (euler, midpoint, heun or rk4 and 1 to " +
                     std::to_string(SolverLab::kMaxSteps) + " steps) or dopri5,TOL, got '" +
                     args.text("--lab", "") + "'");
  AppOptions::Lab lab;
  lab.solver = *solver;
  if (core::isAdaptive(lab.solver)) {
    if (!core::parseDouble(words[1], lab.tolerance) || !(lab.tolerance >= 1e-8) ||
        !(lab.tolerance <= 0.1))
      throw UsageError("--lab dopri5,TOL: TOL must be in [1e-8, 0.1], got '" + words[1] + "'");
  } else {
    long n = 0;
    if (!core::parseLong(words[1], n) || n < 1 || n > SolverLab::kMaxSteps)
      throw UsageError("--lab " + words[0] + ",N: N must be in [1, " +
                       std::to_string(SolverLab::kMaxSteps) + "], got '" + words[1] + "'");
    lab.steps = static_cast<int>(n);
  }
  return lab;
}

}  // namespace

const std::vector<std::string>& appOptionNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& s : specs()) n.push_back(s.name);
    return n;
  }();
  return names;
}

core::TrainerConfig liveConfig(core::Method method) {
  core::TrainerConfig c = core::defaultConfig(method);
  // Live training is open-ended: a constant learning rate and, for single-stage methods, a stage
  // long enough never to end while someone watches. Rectified flow keeps its stage length so
  // that its reflow rounds happen.
  c.schedule = core::LrSchedule::Constant;
  if (c.method != core::Method::RectifiedFlow) c.steps = 100000000;
  // The CLI's larger learning rates (cnf, rkl, realnvp: 5e-3) are tuned for a few thousand steps
  // of a cosine schedule; at a constant 5e-3 a CNF on 8gaussians starts to exploit its RK4-8
  // solver after ~10k steps and blows up, at 1e-3 it stays within 0.001 nats of the fine
  // solver for 30k steps (flowlab train --schedule constant --eval-every).
  c.adam.learningRate = std::min(c.adam.learningRate, 1e-3);
  return c;
}

AppOptions parseAppOptions(int argc, char** argv) {
  const core::Args args(argc, argv, 1, specs());
  if (!args.positional().empty())
    throw UsageError("unexpected argument '" + args.positional().front() + "'");
  AppOptions o;
  core::TrainerConfig& c = o.config;
  core::Method method = core::Method::FlowMatching;  // fast steps: the default live demo
  if (args.has("--method")) {
    const std::string text = args.requiredText("--method");
    const auto parsed = core::parseMethod(text);
    if (!parsed)
      throw UsageError("unknown method '" + text + "' (choose fm, otcfm, rf, cnf, rkl or realnvp)");
    method = *parsed;
  }
  c = liveConfig(method);
  if (args.has("--reflow") && c.method != core::Method::RectifiedFlow)
    throw UsageError("--reflow applies to --method rf only");
  c.reflow = static_cast<int>(args.integer("--reflow", c.reflow, 0, 16));
  c.steps = args.integer("--steps", c.steps, 1, 100000000);
  c.batch = static_cast<int>(args.integer("--batch", c.batch, 1, 65536));
  c.adam.learningRate = args.real("--lr", c.adam.learningRate, 1e-9, 1.0);
  c.mlp.hidden = static_cast<int>(args.integer("--hidden", c.mlp.hidden, 1, 4096));
  c.mlp.layers = static_cast<int>(args.integer("--layers", c.mlp.layers, 1, 64));
  if (args.has("--activation")) {
    const std::string text = args.requiredText("--activation");
    const auto a = core::parseActivation(text);
    if (!a)
      throw UsageError("unknown activation '" + text + "' (choose tanh, silu, selu or softplus)");
    c.mlp.activation = *a;
  }
  c.seed = static_cast<std::uint64_t>(args.integer("--seed", 0, 0, 1L << 62));
  if (const std::string problem = core::validate(c); !problem.empty()) throw UsageError(problem);

  if (int(args.has("--target")) + int(args.has("--target-image")) +
          int(args.has("--target-points")) >
      1)
    throw UsageError("give one of --target, --target-image and --target-points, not several");
  o.targetName = args.text("--target", o.targetName);
  if (!core::findTargetInfo(o.targetName)) {
    std::string known;
    for (const auto& t : core::builtinTargets()) known += (known.empty() ? "" : ", ") + t.name;
    throw UsageError("unknown target '" + o.targetName + "' (built-in: " + known + ")");
  }
  o.targetImage = args.text("--target-image", "");
  o.targetPoints = args.text("--target-points", "");
  o.invertImage = args.has("--invert");
  if (o.invertImage && o.targetImage.empty())
    throw UsageError("--invert applies to --target-image only");
  o.startPaused = args.has("--paused");

  o.width = static_cast<int>(args.integer("--width", o.width, 320, 8192));
  o.height = static_cast<int>(args.integer("--height", o.height, 240, 8192));
  o.frames = args.integer("--frames", 0, 1, 100000000);
  o.screenshot = args.text("--screenshot", "");
  if (!o.screenshot.empty() && !core::endsWith(o.screenshot, ".png"))
    throw UsageError("--screenshot writes a PNG: the file name must end in .png");
  if (!o.screenshot.empty() && o.frames == 0)
    throw UsageError("--screenshot needs --frames N (the frame after which it is taken)");
  o.canvasOnly = args.has("--canvas-only");
  if (o.canvasOnly && o.screenshot.empty())
    throw UsageError("--canvas-only applies to --screenshot only");
  o.perfReport = args.text("--perf-report", "");
  if (!o.perfReport.empty() && o.frames == 0)
    throw UsageError("--perf-report needs --frames N (the frames to measure)");
  o.baselineSeconds = args.real("--baseline-seconds", o.baselineSeconds, 0.0, 600.0);
  o.maxFps = args.real("--max-fps", o.maxFps, 0.0, 10000.0);
  o.waitSeconds = args.real("--wait", o.waitSeconds, 0.0, 3600.0);
  o.vsync = o.frames == 0;

  o.particles = static_cast<int>(args.integer("--particles", o.particles, 1, 1000000));
  if (args.has("--t")) o.t = args.real("--t", 0.0, 0.0, 1.0);
  o.still = args.has("--still");
  if (args.has("--show")) {
    std::stringstream list(args.requiredText("--show"));
    std::string name;
    while (std::getline(list, name, ',')) {
      core::ViewSettings probe;
      if (!core::showOnly({name}, probe)) {
        std::string all;
        for (const core::LayerName& l : core::layerNames())
          all += (all.empty() ? "" : ", ") + std::string(l.name);
        throw UsageError("--show: unknown layer '" + name + "' (layers: " + all + ")");
      }
      o.show.push_back(name);
    }
  }
  if (args.has("--paint")) {
    const auto v = args.reals("--paint");
    if (!(v[2] > 0.0)) throw UsageError("--paint X Y R: the radius R must be positive");
    o.paint = ScriptedPaint{v[0], v[1], v[2], args.integer("--paint-frame", 30, 0, 100000000)};
  } else if (args.has("--paint-frame")) {
    throw UsageError("--paint-frame applies to --paint only");
  }
  if (args.has("--lab")) o.lab = labFrom(args);
  o.compare = args.has("--compare");
  if (args.has("--compare-methods")) {
    o.compareMethods = core::methodList(args, "--compare-methods");
    if (o.compareMethods.empty()) throw UsageError("--compare-methods: name at least one method");
    o.compare = true;
  }
  o.scrub = args.has("--scrub");
  o.open = args.text("--open", "");
  if (!o.open.empty() && !isOpenable(o.open))
    throw UsageError(
        "--open takes a session (.flowlab), a picture (.png, .jpg) or points (.csv, "
        ".npy), got '" +
        o.open + "'");
  o.stateDir = args.text("--state-dir", "");
  o.save = args.text("--save", "");
  if (!o.save.empty() && !core::endsWith(o.save, ".flowlab"))
    throw UsageError("--save writes a session: the file name must end in .flowlab");
  if (!o.save.empty() && o.frames == 0)
    throw UsageError("--save needs --frames N (the frame after which it is saved)");
  o.autosaveSeconds = args.real("--autosave-seconds", o.autosaveSeconds, 0.05, 86400.0);
  if (o.scrub && o.frames <= 0) throw UsageError("--scrub needs --frames N (a headless run)");
  if (o.compare && o.lab)
    throw UsageError("--compare and --lab are two modes of the canvas: pick one");
  return o;
}

std::shared_ptr<const core::Target> makeTarget(const AppOptions& options) {
  if (!options.targetPoints.empty()) return core::loadPointsTarget(options.targetPoints);
  if (!options.targetImage.empty())
    return core::ImageTarget::fromFile(options.targetImage, core::Box{}, options.invertImage);
  return core::makeBuiltinTarget(options.targetName);
}

const std::vector<std::string>& openableExtensions() {
  static const std::vector<std::string> e = {".flowlab", ".png", ".jpg", ".jpeg", ".csv", ".npy"};
  return e;
}

bool isOpenable(const std::string& path) {
  const auto& e = openableExtensions();
  return std::any_of(e.begin(), e.end(),
                     [&](const std::string& x) { return core::endsWith(path, x); });
}

}  // namespace flowlab::app
