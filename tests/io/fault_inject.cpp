// An LD_PRELOAD shim that makes writes of temporary files (a path containing ".tmp.", as
// io/atomic_file.h names them) fail the way a full or failing disk does, for the tests of
// AtomicFile's promise: a failed write keeps the old file and says why.
//   TREEREC_FAULT=ENOSPC  fwrite() to such a file fails once the process has written more than
//                         TREEREC_FAULT_AFTER bytes (default 0) to such files
//   TREEREC_FAULT=EIO     fsync() of such a file fails, after TREEREC_FAULT_SKIP successful ones
// Built as a module without sanitizers (it must load before any sanitizer runtime's checks).
#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

bool is_temporary(int fd) {
  char link[64], path[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = ::readlink(link, path, sizeof path - 1);
  if (n <= 0) return false;
  path[n] = '\0';
  return std::strstr(path, ".tmp.") != nullptr;
}

long long env_number(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoll(v) : 0;
}

bool fault_is(const char* kind) {
  const char* f = std::getenv("TREEREC_FAULT");
  return f != nullptr && std::strcmp(f, kind) == 0;
}

long long g_written = 0;
long long g_fsyncs = 0;

}  // namespace

extern "C" size_t fwrite(const void* ptr, size_t size, size_t count, FILE* stream) {
  using Fn = size_t (*)(const void*, size_t, size_t, FILE*);
  static const Fn real = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "fwrite"));
  if (fault_is("ENOSPC") && is_temporary(fileno(stream))) {
    g_written += static_cast<long long>(size * count);
    if (g_written > env_number("TREEREC_FAULT_AFTER")) {
      errno = ENOSPC;
      return 0;
    }
  }
  return real(ptr, size, count, stream);
}

extern "C" int fsync(int fd) {
  using Fn = int (*)(int);
  static const Fn real = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "fsync"));
  if (fault_is("EIO") && is_temporary(fd) && g_fsyncs++ >= env_number("TREEREC_FAULT_SKIP")) {
    errno = EIO;
    return -1;
  }
  return real(fd);
}
