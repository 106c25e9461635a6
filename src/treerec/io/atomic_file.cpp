#include "treerec/io/atomic_file.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "treerec/util/distributed.h"
#include "treerec/util/error.h"

namespace treerec {

void remove_stale_temporaries(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path target = fs::absolute(path, ec);
  if (ec) return;
  const std::string prefix = target.filename().string() + ".tmp.";
  fs::directory_iterator it(target.parent_path(), ec);
  if (ec) return;  // the open below reports an unusable folder
  for (const fs::directory_entry& e : it) {
    const std::string name = e.path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) continue;
    const auto pid = static_cast<pid_t>(std::stol(digits));
    // A writer that is gone (no such process) left it: nobody will commit or remove it. A pid
    // reused by another process keeps its file until a later writer finds that one gone too.
    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) fs::remove(e.path(), ec);
  }
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), writes_(dist::root()) {
  if (!writes_) return;  // under mpirun rank 0 writes; the others wait for it in commit()
  remove_stale_temporaries(path_);
  tmp_path_ = cat(path_, ".tmp.", ::getpid());
  file_ = std::fopen(tmp_path_.c_str(), "wb");
  if (file_ == nullptr) fail(path_, ": cannot create ", tmp_path_, ": ", std::strerror(errno));
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
}

AtomicFile::~AtomicFile() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::remove(tmp_path_.c_str());
  }
}

void AtomicFile::write(const void* data, std::size_t bytes) {
  TR_CHECK(file_ != nullptr || !writes_, path_, " is already committed");
  if (!writes_) {
    offset_ += bytes;
    return;
  }
  if (bytes > 0 && std::fwrite(data, 1, bytes, file_) != bytes)
    fail(path_, ": write failed: ", std::strerror(errno));
  offset_ += bytes;
}

void AtomicFile::write_at(std::uint64_t offset, const void* data, std::size_t bytes) {
  TR_CHECK(file_ != nullptr || !writes_, path_, " is already committed");
  TR_CHECK(offset + bytes <= offset_, "patch past the end of ", path_);
  if (!writes_) return;
  if (std::fflush(file_) != 0 || std::fseek(file_, static_cast<long>(offset), SEEK_SET) != 0 ||
      std::fwrite(data, 1, bytes, file_) != bytes ||
      std::fseek(file_, static_cast<long>(offset_), SEEK_SET) != 0)
    fail(path_, ": write failed: ", std::strerror(errno));
}

void AtomicFile::commit() {
  if (!writes_) {
    dist::barrier();  // rank 0 has renamed the file into place
    if (!std::filesystem::exists(path_))
      fail(path_, " was written by rank 0 but rank ", dist::rank(),
           " cannot see it: under mpirun every output must be on a file system all ranks share");
    return;
  }
  TR_CHECK(file_ != nullptr, path_, " is already committed");
  bool ok = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
  const int err = errno;
  ok = (std::fclose(file_) == 0) && ok;
  file_ = nullptr;
  if (!ok) {
    std::remove(tmp_path_.c_str());
    fail(path_, ": write failed: ", std::strerror(err));
  }
  if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    const int rerr = errno;
    std::remove(tmp_path_.c_str());
    fail(path_, ": cannot rename ", tmp_path_, " into place: ", std::strerror(rerr));
  }
  dist::barrier();  // the other ranks may read it from here on
}

void copy_file_atomically(const std::string& from, const std::string& to) {
  std::FILE* in = std::fopen(from.c_str(), "rb");
  if (in == nullptr) fail("cannot copy ", from, " to ", to, ": ", std::strerror(errno));
  AtomicFile out(to);
  std::vector<char> buffer(1 << 20);
  for (;;) {
    const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), in);
    if (n > 0) out.write(buffer.data(), n);
    if (n < buffer.size()) break;
  }
  const bool failed = std::ferror(in) != 0;
  std::fclose(in);
  if (failed) fail("cannot copy ", from, " to ", to, ": read failed");
  out.commit();
}

bool output_exists(const std::string& path) {
  std::error_code ec;
  const bool here = std::filesystem::exists(path, ec);
  return dist::broadcast_flags(here ? 1u : 0u) != 0;
}

void remove_output(const std::string& path) {
  dist::barrier();  // under mpirun another rank may still be reading it
  if (!dist::root()) return;
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (ec) fail("cannot remove ", path, ": ", ec.message());
}

}  // namespace treerec
