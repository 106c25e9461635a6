#include "treerec/util/interrupt.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>

namespace treerec {
namespace {
std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "a signal handler may only touch lock-free atomics");

extern "C" void on_stop_signal(int sig) {
  request_interrupt(sig);
  // write(2) is async-signal-safe; the message is fixed text.
  static constexpr char kMessage[] =
      "\ntreerec: stop requested: stopping at the next point that loses no work (signal again to kill)\n";
  [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
}
}  // namespace

void stop_on_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;  // a second signal takes the default action: the process ends
  for (const int sig : {SIGINT, SIGTERM}) ::sigaction(sig, &sa, nullptr);
}

int interrupted() noexcept { return g_signal.load(std::memory_order_relaxed); }

void request_interrupt(int signal) noexcept { g_signal.store(signal, std::memory_order_relaxed); }

void clear_interrupt() noexcept { g_signal.store(0, std::memory_order_relaxed); }

std::string signal_name(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return cat("signal ", signal);
}

void throw_interrupted(const std::string& where) {
  const int sig = interrupted();
  throw Interrupted(sig, cat("stopped by ", signal_name(sig), " ", where));
}

}  // namespace treerec
