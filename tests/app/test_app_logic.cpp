// The app's GL-free logic: camera maths, brush and paint canvas, target edits, timeline, chart
// data, frame statistics, colours, option parsing and picture summaries.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "app/state/app_options.hpp"
#include "app/state/camera2d.hpp"
#include "app/state/chart_data.hpp"
#include "app/state/inspector.hpp"
#include "app/state/perf_stats.hpp"
#include "app/state/timeline.hpp"
#include "app/state/ui_state.hpp"
#include "app/state/view_request.hpp"
#include "app/target/painted_density.hpp"
#include "app/target/target_editor.hpp"
#include "core/base/grid_geometry.hpp"
#include "core/cli/args.hpp"
#include "core/eval/density_grid.hpp"
#include "core/render/colours.hpp"
#include "core/render/image_io.hpp"
#include "core/training/training_session.hpp"

using namespace flowlab;
using namespace flowlab::app;
using namespace flowlab::core;

TEST_CASE("camera: screen and world round-trip, zoom keeps the cursor's point, fit shows the box") {
  Camera2d cam;
  cam.setViewport(100, 50, 800, 600);
  cam.fit({-4, -2, 4, 2}, 0.0);
  // The whole box is visible and the tighter axis (x) fills the width.
  const core::Box v = cam.visibleBox();
  CHECK(v.x0 <= -4.0 + 1e-9);
  CHECK(v.x1 >= 4.0 - 1e-9);
  CHECK(v.y0 <= -2.0);
  CHECK(cam.pixelsPerUnit() == doctest::Approx(100.0));
  // World y points up, screen y down.
  const Vec2 top = cam.worldToScreen({0.0, 1.0});
  const Vec2 bottom = cam.worldToScreen({0.0, -1.0});
  CHECK(top.y < bottom.y);
  const Vec2 s{321.0, 222.0};
  const Vec2 w = cam.screenToWorld(s);
  const Vec2 back = cam.worldToScreen(w);
  CHECK(back.x == doctest::Approx(s.x));
  CHECK(back.y == doctest::Approx(s.y));
  cam.zoomAt(s.x, s.y, 2.5);
  const Vec2 same = cam.screenToWorld(s);
  CHECK(same.x == doctest::Approx(w.x));
  CHECK(same.y == doctest::Approx(w.y));
  CHECK(cam.pixelsPerUnit() == doctest::Approx(250.0));
  // Dragging right by 50 px moves the world with the cursor.
  const Vec2 before = cam.screenToWorld({400, 300});
  cam.panPixels(50, 0);
  const Vec2 after = cam.screenToWorld({450, 300});
  CHECK(after.x == doctest::Approx(before.x));
  // The clip transform maps the visible box onto [−1, 1]².
  const auto c = cam.clipTransform();
  const core::Box vb = cam.visibleBox();
  CHECK(vb.x0 * c[0] + c[2] == doctest::Approx(-1.0));
  CHECK(vb.x1 * c[0] + c[2] == doctest::Approx(1.0));
  CHECK(vb.y0 * c[1] + c[3] == doctest::Approx(-1.0));
  CHECK(vb.y1 * c[1] + c[3] == doctest::Approx(1.0));
  CHECK(cam.containsScreen(101, 51));
  CHECK_FALSE(cam.containsScreen(99, 51));
}

TEST_CASE("brush falloff: flat core, smooth rim, nothing beyond the radius") {
  CHECK(brushFalloff(0.0, 1.0, 0.5) == 1.0);
  CHECK(brushFalloff(0.5, 1.0, 0.5) == 1.0);
  CHECK(brushFalloff(0.75, 1.0, 0.5) == doctest::Approx(0.5));
  CHECK(brushFalloff(1.0, 1.0, 0.5) == 0.0);
  CHECK(brushFalloff(2.0, 1.0, 0.5) == 0.0);
  CHECK(brushFalloff(0.99, 1.0, 0.0) == 1.0);  // hard edge
}

TEST_CASE("painted density: paint inside the radius only, rows from the bottom, erase, target") {
  PaintedDensity canvas(40, 40, {-2, -2, 2, 2});  // 0.1 world units per cell
  CHECK(canvas.empty());
  CHECK(canvas.makeTarget() == nullptr);
  BrushSettings brush;
  brush.radius = 0.3;
  brush.strength = 1.0;
  brush.softness = 0.0;
  // Top-left quadrant: world (−1.5, 1.5) is column 5, row 34 from the bottom.
  CHECK(canvas.stamp(-1.5, 1.5, brush));
  CHECK(canvas.weight(5, 34) == doctest::Approx(1.0f));
  CHECK(canvas.weight(5, 5) == 0.0f);   // the mirror row (bottom) stays empty
  CHECK(canvas.weight(9, 34) == 0.0f);  // 0.4 away: outside the radius
  const auto rev = canvas.revision();
  brush.mode = BrushMode::Erase;
  brush.strength = 0.5;
  CHECK(canvas.stamp(-1.5, 1.5, brush));
  CHECK(canvas.weight(5, 34) == doctest::Approx(0.5f));
  CHECK(canvas.revision() > rev);
  // The painted target puts its mass where we painted.
  auto target = canvas.makeTarget("t");
  REQUIRE(target);
  core::Points x(2, 2);
  x << -1.5f, 1.5f, 1.5f, -1.5f;
  Eigen::VectorXd logp;
  target->logDensity(x, logp);
  CHECK(std::isfinite(logp(0)));
  CHECK(logp(1) == -INFINITY);
  // A stroke dabs along the segment.
  PaintedDensity line(40, 40, {-2, -2, 2, 2});
  brush.mode = BrushMode::Paint;
  brush.strength = 1.0;
  line.strokeTo(-1.5, 0.05, 1.5, 0.05, brush);
  for (int i = 6; i <= 34; ++i) CHECK(line.weight(i, 20) > 0.5f);
}

TEST_CASE("target editor: strokes add to the current target and reach the trainer throttled") {
  std::vector<std::shared_ptr<const core::Target>> submitted;
  TargetEditor editor([&](std::shared_ptr<const core::Target> t) { submitted.push_back(t); });
  REQUIRE(editor.loadPreset("8gaussians"));
  CHECK(submitted.size() == 1);
  CHECK_FALSE(editor.loadPreset("no-such-target"));
  BrushSettings brush;
  brush.radius = 0.5;
  editor.beginStroke(0.0, 0.0, brush, 10.0);
  CHECK(editor.painting());
  // The raster of the preset arrives from a helper thread; dabs wait for it, then go out.
  for (int i = 0; i < 500 && submitted.size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    editor.poll(10.0);
  }
  CHECK_FALSE(editor.waitingForRaster());
  CHECK(submitted.size() == 2);
  editor.strokeTo(0.1, 0.0, brush, 10.02);
  editor.strokeTo(0.2, 0.0, brush, 10.04);
  CHECK(submitted.size() == 2);  // throttled
  editor.strokeTo(0.3, 0.0, brush, 10.2);
  CHECK(submitted.size() == 3);
  editor.strokeTo(0.4, 0.0, brush, 10.21);
  editor.endStroke(10.22);
  CHECK(submitted.size() == 4);  // the end of a stroke always goes out
  CHECK(editor.label() == "painted");
  // The painted target still holds the eight Gaussians (loaded from the preset) plus the blob.
  core::Points x(2, 2);
  x << 2.0f * std::sqrt(2.0f), 0.2f, 0.0f, 0.0f;  // a mode of 8gaussians at (2√2, 0), the blob
  Eigen::VectorXd logp;
  submitted.back()->logDensity(x, logp);
  CHECK(std::isfinite(logp(0)));
  CHECK(std::isfinite(logp(1)));
  CHECK(editor.importImage("/no/such/file.png", false).find("file.png") != std::string::npos);
  CHECK(editor.label() == "painted");  // a failed import changes nothing
}

TEST_CASE("timeline: plays to the end, holds, loops, normalise runs backwards") {
  Timeline tl;
  tl.speed = 0.5;
  tl.holdSeconds = 0.5;
  CHECK(tl.advance(1.0));
  CHECK(tl.t == doctest::Approx(0.5));
  tl.advance(2.0);
  CHECK(tl.t == 1.0);
  CHECK_FALSE(tl.advance(0.3));  // holding at the end
  CHECK(tl.advance(0.3));        // hold over: back to the start
  CHECK(tl.t == 0.0);
  tl.loop = false;
  tl.advance(5.0);
  CHECK(tl.t == 1.0);
  tl.advance(0.1);
  CHECK_FALSE(tl.playing);
  tl.playing = true;
  tl.setDirection(core::FlowDirection::Normalize);
  tl.rewind();
  CHECK(tl.t == 1.0);
  tl.advance(1.0);
  CHECK(tl.t == doctest::Approx(0.5));
  tl.scrub(7.0);
  CHECK(tl.t == 1.0);
}

TEST_CASE("timeline: t advances by speed × elapsed wall time whatever the frame rate") {
  // A fake clock: frames of 1/60 s, 1/7 s and irregular ones; t after 2 s is 0.4/s × 2 s.
  for (double period : {1.0 / 60.0, 1.0 / 7.0, 0.05}) {
    CAPTURE(period);
    Timeline tl;
    tl.speed = 0.4;
    double now = 100.0;  // any origin
    tl.tick(now);        // the first tick only sets the origin
    CHECK(tl.t == 0.0);
    const int frames = static_cast<int>(std::lround(2.0 / period));
    for (int i = 0; i < frames; ++i) {
      now += period;
      tl.tick(now);
    }
    CHECK(tl.t == doctest::Approx(0.4 * frames * period).epsilon(1e-9));
  }
  // Loop: the end is held for holdSeconds, then the pass starts again.
  Timeline tl;
  tl.speed = 0.5;
  tl.holdSeconds = 0.8;
  double now = 0.0;
  tl.tick(now);
  while (now < 2.0) tl.tick(now += 0.01);  // reaches t = 1 at 2 s
  CHECK(tl.t == doctest::Approx(1.0));
  while (now < 2.79) tl.tick(now += 0.01);
  CHECK(tl.t == 1.0);  // still holding
  while (now < 3.2) tl.tick(now += 0.01);
  CHECK(tl.t > 0.0);
  CHECK(tl.t < 0.25);  // looped back to the start and playing again
  // A stall (a suspended machine) moves t by at most kMaxGap.
  Timeline stalled;
  stalled.tick(0.0);
  stalled.tick(60.0);
  CHECK(stalled.t == doctest::Approx(stalled.speed * Timeline::kMaxGap));
}

TEST_CASE("chart data: log scale, bounded points, debiased smoothing") {
  std::vector<core::LossSample> loss;
  for (long s = 0; s < 5000; ++s)
    loss.push_back({s, static_cast<float>(10.0 * std::exp(-s / 1000.0))});
  const ChartData d = lossChart(loss, 200, 0.9);
  CHECK(d.logScale);
  CHECK(d.raw.x.size() <= 200);
  CHECK(d.smooth.x.size() <= 200);
  CHECK(d.raw.y.front() == doctest::Approx(1.0));  // log10(10)
  CHECK(d.yMin < d.raw.y.back());
  CHECK(d.yMax > d.raw.y.front());
  // A negative loss (e.g. an NLL) switches to a linear axis.
  loss.push_back({5000, -1.0f});
  CHECK_FALSE(lossChart(loss, 200, 0.9).logScale);
  // Debiased EMA of a constant is the constant from the first sample on.
  const auto s = emaSmooth({3.0f, 3.0f, 3.0f}, 0.99);
  CHECK(s[0] == doctest::Approx(3.0f));
  CHECK(s[2] == doctest::Approx(3.0f));
  const ChartData m = metricChart({0, 100, 200}, {0.5, NAN, 0.25}, true);
  CHECK(m.raw.x.size() == 2);
  CHECK(m.logScale);
}

TEST_CASE("frame statistics") {
  FrameStats f;
  for (double ms : {10.0, 12.0, 11.0, 50.0, 9.0}) f.add(ms / 1e3);
  CHECK(f.median() == doctest::Approx(0.011));
  CHECK(f.worst() == doctest::Approx(0.050));
  CHECK(f.meanFps() == doctest::Approx(5.0 / 0.092));
  CHECK(f.recentWorst(2) == doctest::Approx(0.050));
  const std::string json = toJson(PerfReport{});
  CHECK(json.find("\"frame_ms_worst\"") != std::string::npos);
}

TEST_CASE("colours: the start colour wheel and the ramps") {
  const core::Colour red = hsvColour(0.0f, 1.0f, 1.0f);
  CHECK(red.r == doctest::Approx(1.0f));
  CHECK(red.g == doctest::Approx(0.0f));
  const core::Colour a = startColour(2.0f, 0.0f), b = startColour(-2.0f, 0.0f),
                     c = startColour(0.0f, 0.0f);
  CHECK((a != b));                          // opposite sides differ in hue
  CHECK(std::min({c.r, c.g, c.b}) > 0.7f);  // the centre is pale
  CHECK(core::sequentialColour(1.0).r > core::sequentialColour(0.0).r);
  CHECK(core::divergingColour(1.0).r > core::divergingColour(1.0).b);    // positive: red
  CHECK(core::divergingColour(-1.0).b > core::divergingColour(-1.0).r);  // negative: blue
  CHECK(core::packed({1.0f, 0.5f, 0.0f}) == 0x000080ffu);                // R in the lowest byte
}

namespace {
AppOptions parse(std::vector<std::string> words) {
  words.insert(words.begin(), "flowlab");
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  return parseAppOptions(static_cast<int>(argv.size()), argv.data());
}
std::string problem(std::vector<std::string> words) {
  try {
    parse(std::move(words));
  } catch (const core::UsageError& e) {
    return e.what();
  }
  return {};
}
}  // namespace

TEST_CASE("app options: defaults, values, and one clear message per problem") {
  const AppOptions d = parse({});
  CHECK(d.frames == 0);
  CHECK(d.width == 1280);
  CHECK(d.particles == 20000);
  CHECK(d.vsync);
  const AppOptions o =
      parse({"--frames", "10", "--screenshot", "a.png", "--method", "otcfm", "--target",
             "8gaussians", "--show", "particles,density", "--paint", "1", "2", "0.5"});
  CHECK(o.frames == 10);
  CHECK_FALSE(o.vsync);
  CHECK(o.config.method == core::Method::OtCfm);
  CHECK(o.show.size() == 2);
  REQUIRE(o.paint);
  CHECK(o.paint->radius == 0.5);
  CHECK(problem({"--frames", "abc"}).find("--frames") != std::string::npos);
  CHECK(problem({"--method", "gan"}).find("gan") != std::string::npos);
  CHECK(problem({"--target", "blob"}).find("blob") != std::string::npos);
  CHECK(problem({"--screenshot", "a.jpg", "--frames", "3"}).find(".png") != std::string::npos);
  CHECK(problem({"--screenshot", "a.png"}).find("--frames") != std::string::npos);
  CHECK(problem({"--show", "particles,clouds"}).find("clouds") != std::string::npos);
  CHECK(problem({"--width", "10"}).find("--width") != std::string::npos);
  CHECK(problem({"--bogus"}).find("--bogus") != std::string::npos);
  const AppOptions lab = parse({"--lab", "heun,8"});
  REQUIRE(lab.lab);
  CHECK(lab.lab->solver == core::Solver::Heun);
  CHECK(lab.lab->steps == 8);
  CHECK(parse({"--lab", "dopri5,1e-4"}).lab->tolerance == 1e-4);
  CHECK(problem({"--lab", "rk4"}).find("SOLVER,N") != std::string::npos);
  CHECK(problem({"--lab", "rk5,4"}).find("rk5") != std::string::npos);
  CHECK(problem({"--lab", "rk4,0"}).find("N must be") != std::string::npos);
  CHECK(problem({"--lab", "dopri5,2"}).find("TOL") != std::string::npos);
  const AppOptions methods = parse({"--compare-methods", "fm,rf,realnvp"});
  CHECK(methods.compare);
  CHECK(methods.compareMethods == std::vector<core::Method>{core::Method::FlowMatching,
                                                            core::Method::RectifiedFlow,
                                                            core::Method::RealNvp});
  CHECK(problem({"--compare-methods", "fm,gan"}).find("gan") != std::string::npos);
  CHECK(problem({"--compare-methods", "fm,fm"}).find("twice") != std::string::npos);
}

TEST_CASE("side by side: the methods' request, and which canvas shows panels") {
  core::ViewRequest r;
  core::ViewSettings view;
  applyCompare(r, view);
  CHECK(r.compare.on);
  CHECK_FALSE(r.compare.methods);  // the model's stages
  applyCompare(r, view, 7);
  CHECK(r.compare.methods);
  CHECK(r.compare.race == 7);
  CHECK_FALSE(r.particles);  // the canvas shows the panels only
  UiState ui;
  ui.compare = true;
  CHECK(ui.showsPanels(true));
  CHECK_FALSE(ui.showsPanels(false));  // a RealNVP model has no stages to set side by side
  ui.compareMethods = true;
  CHECK(ui.showsPanels(false));  // the race's methods need nothing of the model
  ui.lab.toggle();
  CHECK_FALSE(ui.showsPanels(true));  // the lab has the canvas
}

TEST_CASE("picture summary: blank versus layered") {
  RgbaImage blank{16, 16, std::vector<std::uint8_t>(16 * 16 * 4, 20)};
  const ImageSummary b = summarize(blank, 0, 0, 16, 16);
  CHECK(b.nonBackgroundFraction == 0.0);
  CHECK(b.distinctColours == 1);
  RgbaImage colourful = blank;
  for (int i = 0; i < 16 * 16; i += 3) {
    const core::Colour c = hsvColour(i / 256.0f, 1.0f, 1.0f);
    colourful.pixels[4 * i] = core::channelByte(c.r);
    colourful.pixels[4 * i + 1] = core::channelByte(c.g);
    colourful.pixels[4 * i + 2] = core::channelByte(c.b);
  }
  const ImageSummary s = summarize(colourful, 0, 0, 16, 16);
  CHECK(s.nonBackgroundFraction > 0.3);
  CHECK(s.hueBins >= 8);
  flipRows(colourful);
  CHECK(writePng("/nonexistent-dir/x.png", colourful).find("/nonexistent-dir/x.png") !=
        std::string::npos);
}

TEST_CASE("inspector: log p_t under the cursor is the heatmap pixel's value, at any t") {
  auto model = std::make_shared<core::Model>();
  model->config.method = core::Method::FlowMatching;
  model->config.mlp.hidden = 16;
  model->config.mlp.layers = 2;
  core::Stage stage;
  core::Rng rng(3);
  core::initialParameters(model->config, stage.params, rng);
  model->stages.push_back(stage);
  auto snapshot = std::make_shared<core::Snapshot>();
  snapshot->version = 1;
  snapshot->model = model;
  constexpr int kStepsPerUnit = 8;  // the view's default
  for (double t : {0.3, 0.77, 1.0}) {
    CAPTURE(t);
    core::DensityGridSpec spec;
    spec.width = 8;
    spec.height = 6;
    spec.box = {-2.0, -1.5, 2.0, 1.5};
    spec.t = t;
    spec.solver = core::densitySolverAt(t, kStepsPerUnit);
    const core::DensityGrid grid = core::computeLogDensityGrid(model->config, stage.params, spec);
    const core::GridGeometry g{spec.box, spec.width, spec.height};
    Inspector inspector;
    for (auto [i, j] : {std::pair{3, 4}, std::pair{0, 0}, std::pair{7, 5}}) {
      const Probe& p = inspector.probe(snapshot, g.centreX(i), g.centreY(j), t, kStepsPerUnit);
      REQUIRE(p.hasLogDensity);
      CHECK(p.logDensity == doctest::Approx(grid.values[g.index(i, j)]).epsilon(1e-6));
    }
  }
}

TEST_CASE("heatmap box: covers the view, square, reused across small pans, new after large ones") {
  const core::Box view{-3.0, -2.2, 5.0,
                       2.8};  // 8 × 5, centred at (1, 0.3): off the snap grid's edges
  const core::Box box = heatmapBox(view);
  CHECK(box.width() == doctest::Approx(box.height()));
  CHECK(box.x0 <= view.x0);
  CHECK(box.y0 <= view.y0);
  CHECK(box.x1 >= view.x1);
  CHECK(box.y1 >= view.y1);
  // A pan of a few percent of the view keeps the same grid (nothing is recomputed)…
  for (double d : {0.05, -0.1, 0.15}) {
    CAPTURE(d);
    const core::Box panned{view.x0 + d, view.y0 + d, view.x1 + d, view.y1 + d};
    CHECK(core::sameBox(heatmapBox(panned), box));
    CHECK(box.x0 <= panned.x0);
    CHECK(box.y1 >= panned.y1);
  }
  // … and still covers every view it is reused for; a pan by half the view asks for a new one.
  const core::Box far{view.x0 + 4.0, view.y0, view.x1 + 4.0, view.y1};
  const core::Box moved = heatmapBox(far);
  CHECK_FALSE(core::sameBox(moved, box));
  CHECK(moved.x0 <= far.x0);
  CHECK(moved.x1 >= far.x1);
  // Zooming in by 2× halves the box (a finer grid where the view is).
  const core::Box zoomed{-1.0, -0.95, 3.0, 1.55};
  CHECK(heatmapBox(zoomed).width() < 0.75 * box.width());
}

TEST_CASE("view request: the field's cells are square and centred on the view") {
  const FieldGrid g = fieldGrid(core::Box{0.0, 0.0, 10.0, 5.0}, 20);
  CHECK(g.cols == 20);
  CHECK(g.rows == 10);
  CHECK(g.box.width() / g.cols == doctest::Approx(g.box.height() / g.rows));
  CHECK(0.5 * (g.box.x0 + g.box.x1) == doctest::Approx(5.0));
  ViewSettings v;
  Timeline tl;
  tl.t = 0.4;
  const core::ViewRequest continuous = viewRequest(v, tl, core::Box{0, 0, 10, 5}, true);
  CHECK(continuous.t == 0.4);
  const core::ViewRequest discrete = viewRequest(v, tl, core::Box{0, 0, 10, 5}, false);
  CHECK(discrete.t == 1.0);  // no velocity field: t = 1 only
  CHECK_FALSE(discrete.field);
  CHECK_FALSE(discrete.paths);
}

TEST_CASE("view request: heatmaps at half resolution while t moves, full when it stands still") {
  ViewSettings v;
  v.heatmapSize = 128;
  Timeline tl;
  tl.playing = true;
  CHECK(viewRequest(v, tl, core::Box{0, 0, 4, 4}, true).heatmapWidth == 64);
  CHECK(viewRequest(v, tl, core::Box{0, 0, 4, 4}, true).heatmapHeight == 64);
  // Without a velocity field t is always 1: nothing to chase.
  CHECK(viewRequest(v, tl, core::Box{0, 0, 4, 4}, false).heatmapWidth == 128);
  tl.playing = false;
  CHECK(viewRequest(v, tl, core::Box{0, 0, 4, 4}, true).heatmapWidth == 128);
  v.heatmapSize = 48;
  tl.playing = true;
  CHECK(viewRequest(v, tl, core::Box{0, 0, 4, 4}, true).heatmapWidth == kMinHeatmapSize);
}

TEST_CASE("solver lab: steps move an index within the solve, a new solver or N starts over") {
  SolverLab lab;
  lab.toggle();
  CHECK(lab.on);
  const std::uint64_t epoch = lab.epoch;
  lab.choose(core::Solver::RK4, 4, 1e-3);
  lab.forward(4);
  lab.forward(4);
  CHECK(lab.step == 2);
  lab.back();
  CHECK(lab.step == 1);
  for (int i = 0; i < 10; ++i) lab.forward(4);
  CHECK(lab.step == 4);  // not past the end
  lab.choose(core::Solver::Euler, 4, 1e-3);
  CHECK(lab.step == 0);  // the same start points, from the start
  lab.toEnd(4);
  CHECK(lab.step == 4);
  lab.runOrStop(4);  // at the end: runs from the start
  CHECK(lab.running);
  CHECK(lab.step == 0);
  CHECK(lab.tick(10.0, 4));  // the first tick steps at once
  CHECK(lab.step == 1);
  CHECK_FALSE(lab.tick(10.1, 4));  // then one step per stepSeconds
  CHECK(lab.tick(10.0 + lab.stepSeconds + 1e-9, 4));
  CHECK(lab.step == 2);
  lab.back();
  CHECK_FALSE(lab.running);  // going back stops
  lab.takeNewestModel();
  CHECK(lab.epoch == epoch + 1);
  lab.choose(core::Solver::RK4, 100000, 1e-3);
  CHECK(lab.steps == SolverLab::kMaxSteps);
}

TEST_CASE("solver lab: the request, and t of the step shown") {
  ViewSettings v;
  v.particleCount = 5000;
  SolverLab lab;
  lab.toggle();
  lab.choose(core::Solver::Heun, 5, 1e-3);
  lab.highlighted = 500;
  const core::SolverLabRequest r = lab.request(v, core::FlowDirection::Generate);
  CHECK(r.on);
  CHECK(r.solver == core::SolverConfig::fixed(core::Solver::Heun, 5));
  CHECK(r.particles == 5000);
  CHECK(r.highlighted == SolverLab::kMaxHighlighted);
  lab.step = 2;
  CHECK(labTime(lab, nullptr, core::FlowDirection::Generate, v) == doctest::Approx(0.4));
  CHECK(labTime(lab, nullptr, core::FlowDirection::Normalize, v) == doctest::Approx(0.6));
  // The layer's own times when it is this lab's solve (Dopri5's are not uniform).
  core::SolverLabLayer layer;
  layer.request = lab.request(v, core::FlowDirection::Generate);
  layer.run.times = {0.0, 0.1, 0.35, 0.7, 0.9, 1.0};
  CHECK(labTime(lab, &layer, core::FlowDirection::Generate, v) == 0.35);
  CHECK(lab.lastStep(&layer, core::FlowDirection::Generate, v) == 5);
  layer.request.epoch += 1;  // another solve: the uniform grid until the new one is there
  CHECK(labTime(lab, &layer, core::FlowDirection::Generate, v) == doctest::Approx(0.4));

  core::ViewRequest request;
  request.seed = 9;
  applySolverLab(request, lab, v, core::FlowDirection::Generate, 0.4);
  CHECK(request.lab.on);
  CHECK(request.lab.seed == 9);  // the particle layer's start points
  CHECK(request.t == 0.4);
  CHECK_FALSE(request.particles);
  CHECK_FALSE(request.paths);
}

TEST_CASE("solver lab: a click places a start point, first and highlighted, the lab restarts") {
  ViewSettings v;
  v.particleCount = 100;
  SolverLab lab;
  lab.toggle();
  lab.highlighted = 0;
  lab.step = 3;
  lab.addSeed(1.5, -2.0);
  CHECK(lab.step == 0);
  const core::SolverLabRequest r = lab.request(v, core::FlowDirection::Generate);
  REQUIRE(r.seeds.size() == 2);
  CHECK(r.seeds[0] == 1.5f);
  CHECK(r.count() == 101);
  CHECK(r.highlighted == 1);  // a placed point is always highlighted
  CHECK(lab.ledgerParticle() == 0);
  lab.addSeed(0.5, 0.5);
  CHECK(lab.ledgerParticle() == 1);  // the ledger reads out the point clicked last
  for (int i = 0; i < 2 * SolverLab::kMaxHighlighted; ++i) lab.addSeed(i, 0.0);
  CHECK(lab.seeds.size() == 2 * std::size_t(SolverLab::kMaxHighlighted));  // the oldest went
  CHECK(lab.seeds.back() == 0.0f);
  CHECK(lab.ledgerParticle() == SolverLab::kMaxHighlighted - 1);
  CHECK(lab.request(v, core::FlowDirection::Normalize).highlighted >= lab.ledgerParticle() + 1);
  lab.clearSeeds();
  CHECK(lab.seeds.empty());
  CHECK(lab.ledgerParticle() == 0);
}
