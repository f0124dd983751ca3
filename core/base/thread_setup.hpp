// Setting up a worker thread: its name (seen by profilers and the app's performance report) and
// a low priority. Linux only; elsewhere both do nothing. Call from the thread itself.
#pragma once

#ifdef __linux__
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace flowlab::core {

// Names the calling thread (at most 15 characters are kept).
inline void nameThisThread(const char* name) {
#ifdef __linux__
  pthread_setname_np(pthread_self(), name);
#else
  (void)name;
#endif
}

// A low priority (nice 10) for the calling thread only: under contention the UI and drawing win,
// yet the thread is never starved outright (as SCHED_IDLE would be on a busy machine).
inline void lowerThisThreadPriority() {
#ifdef __linux__
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
#endif
}

}  // namespace flowlab::core
