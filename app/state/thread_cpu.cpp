// Reads /proc/self/task/<tid>/{comm,stat} (utime + stime, in clock ticks).
#include "app/state/thread_cpu.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace flowlab::app {

ThreadCpu threadCpuTimes() {
  ThreadCpu out;
#ifdef __linux__
  const double tick = 1.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
  const std::string self = std::to_string(getpid());
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    const std::string tid = entry.path().filename().string();
    std::string comm, stat;
    std::getline(std::ifstream(entry.path() / "comm"), comm);
    std::getline(std::ifstream(entry.path() / "stat"), stat);
    // Fields after the ")" closing the command name: state is field 3, utime 14, stime 15.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string skip;
    for (int i = 3; i < 14; ++i) fields >> skip;
    double utime = 0, stime = 0;
    fields >> utime >> stime;
    const double cpu = (utime + stime) * tick;
    if (tid == self)
      out.ui += cpu;
    else if (comm.rfind("flowlab-view", 0) == 0)
      out.view += cpu;
    else if (comm.rfind("flowlab-raster", 0) == 0)
      out.raster += cpu;
    else if (comm.rfind("llvmpipe", 0) == 0)
      out.gl += cpu;
    else
      out.other += cpu;
  }
#endif
  return out;
}

}  // namespace flowlab::app
