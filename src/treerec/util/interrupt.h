// A process-wide stop request for long jobs, set by SIGINT or SIGTERM (Ctrl-C, `kill`, a
// cluster scheduler's preemption). A command that can stop cleanly installs the handlers
// (stop_on_signals); its work loops then check interrupted() at points where stopping loses
// nothing: the trainer before each batch (it writes its checkpoint and returns, as
// --max-batches does). The command then throws Interrupted, and the process exits with
// 128 + the signal number, the shell's convention for "ended by that signal".
//
// The first signal only asks (and says so on stderr); the handlers are one-shot, so a second
// signal terminates the process the default way.
#pragma once

#include <string>

#include "treerec/util/error.h"

namespace treerec {

// Installs the one-shot SIGINT and SIGTERM handlers. Commands that never check interrupted()
// must not call it: their signals would be swallowed.
void stop_on_signals();

// The signal that asked the process to stop (SIGINT or SIGTERM), or 0.
int interrupted() noexcept;

// What a handler does; also for tests. Async-signal-safe.
void request_interrupt(int signal) noexcept;
void clear_interrupt() noexcept;

// "SIGINT", "SIGTERM" or "signal N".
std::string signal_name(int signal);

// Thrown by a command that stopped because of interrupted(); main() exits with 128 + signal.
class Interrupted : public Error {
 public:
  Interrupted(int signal, const std::string& what) : Error(what), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

// Throws Interrupted for interrupted()'s signal: "stopped by SIGTERM <where>".
[[noreturn]] void throw_interrupted(const std::string& where);

}  // namespace treerec
