// `flowlab render`: a model's flow from t = 0 to 1 as an animation, computed by the app's own
// view worker and painted by its CPU canvas painter (no display): PNG frames into a folder, or a
// GIF / MP4 encoded by ffmpeg, found on PATH at run time (never a build dependency).
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>

#include "core/base/parallel.hpp"
#include "core/base/stopwatch.hpp"
#include "core/cli/cli_common.hpp"
#include "core/io/file_io.hpp"
#include "core/io/session_io.hpp"
#include "core/render/canvas_painter.hpp"
#include "core/render/layer_request.hpp"
#include "core/view/view_worker.hpp"

namespace flowlab::core::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kHelp =
    R"(usage: flowlab render MODEL|SESSION [--stage k] [--layers a,b,...] [--frames N]
                     [--size W H] [--box x0 y0 x1 y1] [--fps F] [--particles N]
                     [--target NAME] [--history [--t T]] --out FILE.mp4 | FILE.gif | DIR/
  The flow from t = 0 to 1 as N frames (default 120), drawn as the app draws its canvas:
  particles and their pathlines, the field, the exact density (--layers, as the app's --show:
  particles, paths, field, streamlines, density, divergence, grid, target, target-density;
  default particles,paths,field,density). W x H pixels (default 512 512); the box defaults to
  the target's (the model's own, or --target NAME) and [-3, 3]^2 together, widened to W:H.
  DIR/ (a trailing slash, or an existing folder): frame_0000.png, ...; .mp4 and .gif need
  ffmpeg on PATH (apt-get install ffmpeg), at --fps F (default 30).
  --history (a session saved by the app): training progress instead, a frame per kept step of
  the stage's training history, each at flow time T (default 1: the samples as they were).
  A session's own target (a painted one too) is drawn unless --target is given.
)";

enum class Kind { Frames, Gif, Mp4 };

struct Plan {
  Kind kind = Kind::Frames;
  std::string out;
  int frames = 120, width = 512, height = 512;
  double fps = 30.0;
  Box box{};
  ViewSettings view;
};

// `text` as one word for the shell: in single quotes, each ' written as '\''.
std::string shellQuoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// An executable called `name` on PATH ("" when there is none).
std::string onPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

// `box` widened (about its centre) to the aspect ratio width : height.
Box withAspect(Box box, int width, int height) {
  const double want = static_cast<double>(width) / height;
  const double cx = 0.5 * (box.x0 + box.x1), cy = 0.5 * (box.y0 + box.y1);
  double w = box.width(), h = box.height();
  if (w / h < want)
    w = h * want;
  else
    h = w / want;
  return {cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h};
}

// Where the frames go: PNG files one by one, or ffmpeg's standard input (raw RGBA), which writes
// a temporary file beside the output that takes its name only when everything went well.
class FrameSink {
 public:
  FrameSink(const Plan& plan, const std::string& ffmpeg) : plan_(plan) {
    if (plan.kind == Kind::Frames) return;
    temp_ = plan.out + ".tmp" + std::to_string(::getpid());
    const bool gif = plan.kind == Kind::Gif;
    std::ostringstream cmd;
    cmd << shellQuoted(ffmpeg) << " -hide_banner -loglevel error -y -f rawvideo -pix_fmt rgba -s "
        << plan.width << "x" << plan.height << " -r " << plan.fps << " -i - "
        << (gif ? "-vf 'split[a][b];[a]palettegen[p];[b][p]paletteuse' -f gif "
                : "-c:v libx264 -pix_fmt yuv420p -movflags +faststart -f mp4 ")
        << shellQuoted(temp_);
    pipe_ = ::popen(cmd.str().c_str(), "w");
    if (!pipe_) throw std::runtime_error("cannot start ffmpeg");
  }
  ~FrameSink() {
    if (pipe_) ::pclose(pipe_);
    if (!temp_.empty()) std::remove(temp_.c_str());
  }
  void put(const RgbaImage& image, int index) {
    if (plan_.kind == Kind::Frames) {
      char name[32];
      std::snprintf(name, sizeof name, "frame_%04d.png", index);
      const std::string error = writePng((fs::path(plan_.out) / name).string(), image);
      if (!error.empty()) throw std::runtime_error(error);
      return;
    }
    if (std::fwrite(image.pixels.data(), 1, image.pixels.size(), pipe_) != image.pixels.size())
      throw std::runtime_error("ffmpeg stopped reading the frames");
  }
  void finish() {
    if (plan_.kind == Kind::Frames) return;
    const int status = ::pclose(pipe_);
    pipe_ = nullptr;
    if (status != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw std::runtime_error("ffmpeg could not encode " + plan_.out);
    fs::rename(temp_, plan_.out);
    temp_.clear();
  }

 private:
  const Plan& plan_;
  std::FILE* pipe_ = nullptr;
  std::string temp_;
};

Plan planFrom(const Args& args, const std::shared_ptr<const Target>& target) {
  Plan plan;
  plan.out = args.requiredText("--out");
  if (endsWith(plan.out, ".mp4"))
    plan.kind = Kind::Mp4;
  else if (endsWith(plan.out, ".gif"))
    plan.kind = Kind::Gif;
  else if (plan.out.back() == '/' || fs::is_directory(plan.out))
    plan.kind = Kind::Frames;
  else
    throw UsageError("--out must be FILE.mp4, FILE.gif or a folder (DIR/), got '" + plan.out + "'");
  plan.frames = static_cast<int>(args.integer("--frames", 120, 1, 100000));
  if (args.has("--size")) {
    const auto s = args.integers("--size", 16, 4096);
    plan.width = static_cast<int>(s[0]);
    plan.height = static_cast<int>(s[1]);
  }
  if (plan.kind == Kind::Mp4 && (plan.width % 2 || plan.height % 2))
    throw UsageError("--size: an MP4 needs an even width and height");
  plan.fps = args.real("--fps", 30.0, 1.0, 240.0);
  Box box{-3, -3, 3, 3};
  if (target) {
    const Box b = target->bounds();
    box = {std::min(b.x0, -3.0), std::min(b.y0, -3.0), std::max(b.x1, 3.0), std::max(b.y1, 3.0)};
  }
  if (args.has("--box")) box = args.box("--box");
  plan.box = withAspect(box, plan.width, plan.height);
  if (args.has("--layers")) {
    std::vector<std::string> names = args.list("--layers", {});
    if (!showOnly(names, plan.view)) {
      std::string all;
      for (const LayerName& l : layerNames())
        all += (all.empty() ? "" : ", ") + std::string(l.name);
      throw UsageError("--layers: an unknown layer (layers: " + all + ")");
    }
  } else {
    showOnly({"particles", "paths", "field", "density"}, plan.view);
  }
  plan.view.particleCount = static_cast<int>(args.integer("--particles", 20000, 1, 1000000));
  plan.view.trail = 1.0f;  // the whole path so far
  return plan;
}

// The model's stage as a finished trainer's snapshot, for the view worker; `params` (when given)
// replace the stage's own (a past step of its training), and `version` tells snapshots apart.
std::shared_ptr<const Snapshot> snapshotOf(const LoadedStage& loaded,
                                           std::shared_ptr<const Target> target,
                                           const ParamVec* params = nullptr,
                                           std::uint64_t version = 1) {
  auto model = std::make_shared<Model>(loaded.model);
  model->stages.resize(static_cast<std::size_t>(loaded.stage) + 1);
  if (params) model->stages.back().params = *params;
  auto snap = std::make_shared<Snapshot>();
  snap->version = version;
  snap->model = std::move(model);
  snap->stage = loaded.stage;
  snap->status = TrainerStatus::Finished;
  snap->target = std::move(target);
  snap->targetVersion = 1;
  return snap;
}

void progress(int done, int total, double seconds) {
  static const bool tty = ::isatty(STDERR_FILENO);
  if (!tty && done % 30 != 0 && done != total) return;
  const double eta = done > 0 ? seconds * (total - done) / done : NAN;
  std::fprintf(stderr, "%sframe %d/%d  ETA %s%s", tty ? "\r\033[K" : "", done, total,
               formatSeconds(eta).c_str(), tty ? "" : "\n");
  std::fflush(stderr);
}

// What each frame shows: a snapshot (one for the animation, one per kept step for the history)
// and the flow time.
struct Frames {
  std::vector<std::shared_ptr<const Snapshot>> snapshots;
  std::vector<double> times;
};

// The animation's frames (t from 0 to 1), or with `history` one per kept step of the stage at
// historyT; `file` names the session in the message when it keeps none.
Frames framesFor(const LoadedStage& loaded, const std::shared_ptr<const Target>& target,
                 const Plan& plan, const Session* history, double historyT,
                 const std::string& file) {
  Frames f;
  if (history) {
    for (const HistoryEntry& e : history->history) {
      if (e.stage != loaded.stage) continue;
      f.snapshots.push_back(snapshotOf(loaded, target, e.params.get(), f.snapshots.size() + 1));
      f.times.push_back(historyT);
    }
    if (f.snapshots.empty())
      throw std::runtime_error(file + " keeps no training history of stage " +
                               std::to_string(loaded.stage + 1) +
                               " (the app's sessions do; train's do not)");
    return f;
  }
  f.snapshots.push_back(snapshotOf(loaded, target));
  for (int k = 0; k < plan.frames; ++k)
    f.times.push_back(plan.frames > 1 ? static_cast<double>(k) / (plan.frames - 1) : 1.0);
  return f;
}

// Computes every frame's layers with a view worker, paints it and hands it to the sink.
void drawFrames(const Frames& frames, const Plan& plan, const ViewSettings& view, bool continuous,
                FrameSink& sink) {
  ViewWorker::Options options;
  options.lowPriority = false;
  options.threads = hardwareThreads();
  std::mutex shownMutex;
  std::shared_ptr<const Snapshot> shown = frames.snapshots.front();
  ViewWorker worker(
      [&] {
        std::lock_guard lock(shownMutex);
        return shown;
      },
      options);
  CanvasPainter painter;
  RasterImage image;
  const auto start = std::chrono::steady_clock::now();
  const int count = static_cast<int>(frames.times.size());
  for (int k = 0; k < count; ++k) {
    const double t = frames.times[std::size_t(k)];
    if (frames.snapshots.size() > 1) {
      {
        std::lock_guard lock(shownMutex);
        shown = frames.snapshots[std::size_t(k)];
      }
      worker.refresh();
    }
    worker.setRequest(layerRequest(view, t, FlowDirection::Generate, plan.box, continuous, false));
    if (!worker.waitUntilUpToDate(std::chrono::minutes(5)))
      throw std::runtime_error("the layers of frame " + std::to_string(k) + " took too long");
    const auto frame = worker.frame();
    if (!frame->error.empty()) throw std::runtime_error(frame->error);
    CanvasRequest request;
    request.frame = frame;
    request.t = t;
    request.continuous = continuous;
    request.box = plan.box;
    request.width = plan.width;
    request.height = plan.height;
    request.view = view;
    painter.paint(request, image);
    sink.put(toRgba(image), k);
    progress(k + 1, count, secondsSince(start));
  }
}

}  // namespace

int runRender(int argc, char** argv) {
  std::vector<OptionSpec> specs = targetOptions();
  for (OptionSpec s : std::vector<OptionSpec>{{"--help", 0},
                                              {"--stage", 1},
                                              {"--layers", 1},
                                              {"--frames", 1},
                                              {"--size", 2},
                                              {"--box", 4},
                                              {"--fps", 1},
                                              {"--particles", 1},
                                              {"--history", 0},
                                              {"--t", 1},
                                              {"--out", 1}})
    specs.push_back(s);
  const Args args(argc, argv, 2, specs);
  if (args.has("--help")) {
    std::cout << kHelp;
    return 0;
  }
  const LoadedStage loaded = loadStage(args);
  const bool history = args.has("--history");
  if (args.has("--t") && !history) throw UsageError("--t applies to --history only");
  if (history && args.has("--frames"))
    throw UsageError("--history draws a frame per kept step: --frames does not apply");
  const double historyT = args.real("--t", 1.0, 0.0, 1.0);
  // A session brings its own target (a painted one too) and, for --history, its past steps.
  std::optional<Session> session;
  if (endsWith(args.positional().front(), kSessionExtension) || history)
    session = loadSession(args.positional().front());
  std::shared_ptr<const Target> target = targetFrom(args, false);
  if (!target && session) target = session->target;
  if (!target) target = makeBuiltinTarget(loaded.model.target);  // null: a painted one
  const Plan plan = planFrom(args, target);
  if (sameFile(plan.out, args.positional().front()))
    throw UsageError("--out " + plan.out + " would overwrite " + args.positional().front());
  std::string ffmpeg;
  if (plan.kind != Kind::Frames) {
    ffmpeg = onPath("ffmpeg");
    if (ffmpeg.empty())
      throw std::runtime_error(plan.out + " needs ffmpeg, which is not on PATH (apt-get install " +
                               "ffmpeg), or write PNG frames with --out DIR/");
    checkWritable(plan.out);
  } else {
    std::error_code error;
    fs::create_directories(plan.out, error);
    if (error) throw std::runtime_error(plan.out + ": cannot create this folder");
  }
  const Frames frames = framesFor(loaded, target, plan, history ? &*session : nullptr, historyT,
                                  args.positional().front());
  const bool continuous = isContinuous(loaded.model.config.method);
  ViewSettings view = plan.view;
  if (!target) view.targetSamples = view.targetDensity = false;
  FrameSink sink(plan, ffmpeg);
  const auto start = std::chrono::steady_clock::now();
  drawFrames(frames, plan, view, continuous, sink);
  sink.finish();
  if (::isatty(STDERR_FILENO)) std::fprintf(stderr, "\r\033[K");
  std::fprintf(stderr, "wrote %s: %zu frames, %dx%d, in %.1f s\n", plan.out.c_str(),
               frames.times.size(), plan.width, plan.height, secondsSince(start));
  return 0;
}

}  // namespace flowlab::core::cli
