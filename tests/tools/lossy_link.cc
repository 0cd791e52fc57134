// bangban-lossy-link: a point-to-point IP link between two network namespaces that loses a
// given fraction of its packets, for kernels without sch_netem (`tc qdisc ... netem loss`).
//
//   bangban-lossy-link --ns-a NS1 --dev-a tunab --ns-b NS2 --dev-b tunba --loss 0.30 [--seed N] [--stats FILE]
//
// Creates a TUN device DEV-A in namespace NS-A and DEV-B in NS-B (namespaces as made by
// `ip netns add`, i.e. /var/run/netns/NAME), prints "ready" once both exist, then copies every
// IP packet read from one device to the other, dropping each with probability LOSS (a seeded
// std::mt19937_64 per direction, so a run is reproducible packet for packet). The caller gives
// the devices addresses and brings them up (`ip -n NS1 addr add 10.0.0.1 peer 10.0.0.2 dev
// tunab`, `ip -n NS1 link set tunab up`, and the mirror in NS2). On SIGTERM or SIGINT it writes
// its counters as one line of JSON to FILE (stdout without --stats) and exits 0; the devices go
// with it. One message on stderr and exit 2 on bad arguments, exit 1 on any failure. Needs root.
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

namespace {

// A file descriptor, closed when it goes.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

constexpr const char* kUsage =
    "usage: bangban-lossy-link --ns-a NS1 --dev-a DEV1 --ns-b NS2 --dev-b DEV2 --loss FRACTION [--seed N] "
    "[--stats FILE]\n";

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Bad arguments: the message, then the usage line.
struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

struct Options {
  std::string ns_a, dev_a, ns_b, dev_b, stats;
  double loss = -1;
  uint64_t seed = 1;
};

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) throw Usage(flag + " needs a value");
    std::string value = argv[++i];
    if (flag == "--ns-a") {
      o.ns_a = value;
    } else if (flag == "--dev-a") {
      o.dev_a = value;
    } else if (flag == "--ns-b") {
      o.ns_b = value;
    } else if (flag == "--dev-b") {
      o.dev_b = value;
    } else if (flag == "--stats") {
      o.stats = value;
    } else if (flag == "--loss" || flag == "--seed") {
      char* end = nullptr;
      errno = 0;
      if (flag == "--loss") {
        o.loss = std::strtod(value.c_str(), &end);
      } else {
        o.seed = std::strtoull(value.c_str(), &end, 10);
      }
      if (value.empty() || *end != '\0' || errno != 0) throw Usage(flag + ": not a number: " + value);
    } else {
      throw Usage("unknown option " + flag);
    }
  }
  if (o.ns_a.empty() || o.dev_a.empty() || o.ns_b.empty() || o.dev_b.empty()) {
    throw Usage("--ns-a, --dev-a, --ns-b and --dev-b are required");
  }
  if (!(o.loss >= 0 && o.loss <= 1)) throw Usage("--loss must be given, between 0 and 1");
  for (const std::string* dev : {&o.dev_a, &o.dev_b}) {
    if (dev->size() >= IFNAMSIZ) throw Usage("device name too long (at most 15 characters): " + *dev);
  }
  return o;
}

Fd Open(const std::string& path, int flags) {
  Fd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (fd.get() < 0) throw Failure(Errno("cannot open " + path));
  return fd;
}

void EnterNetns(const Fd& ns, const std::string& name) {
  if (::setns(ns.get(), CLONE_NEWNET) != 0) throw Failure(Errno("cannot enter network namespace " + name));
}

// A TUN device named `dev` in the network namespace `ns`. The device belongs to the namespace
// the /dev/net/tun file was opened in, so both the open and TUNSETIFF happen inside `ns`; this
// thread's namespace is `home` again afterwards.
Fd CreateTun(const std::string& ns, const std::string& dev, const Fd& home) {
  Fd target = Open("/var/run/netns/" + ns, O_RDONLY);
  EnterNetns(target, ns);
  Fd tun(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  int open_errno = errno;
  ifreq ifr{};
  int ioctl_result = -1;
  if (tun.get() >= 0) {
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    std::strncpy(ifr.ifr_name, dev.c_str(), IFNAMSIZ - 1);
    ioctl_result = ::ioctl(tun.get(), TUNSETIFF, &ifr);
  }
  int ioctl_errno = errno;
  EnterNetns(home, "of this process");
  if (tun.get() < 0) {
    errno = open_errno;
    throw Failure(Errno("cannot open /dev/net/tun"));
  }
  if (ioctl_result != 0) {
    errno = ioctl_errno;
    throw Failure(Errno("cannot create TUN device " + dev + " in " + ns + " (TUNSETIFF)"));
  }
  return tun;
}

// One direction of the link.
struct Direction {
  const char* name;
  std::mt19937_64 random;
  uint64_t forwarded = 0, forwarded_bytes = 0, dropped = 0, dropped_bytes = 0, write_errors = 0;

  std::string Json() const {
    char buffer[256];
    std::snprintf(buffer, sizeof buffer,
                  "\"%s\":{\"forwarded\":%llu,\"forwarded_bytes\":%llu,\"dropped\":%llu,\"dropped_bytes\":%llu,"
                  "\"write_errors\":%llu}",
                  name, static_cast<unsigned long long>(forwarded), static_cast<unsigned long long>(forwarded_bytes),
                  static_cast<unsigned long long>(dropped), static_cast<unsigned long long>(dropped_bytes),
                  static_cast<unsigned long long>(write_errors));
    return buffer;
  }
};

// Moves whatever packets `from` has ready (at most a batch, so neither direction starves the
// other) to `to`, dropping each with probability `loss`.
void Forward(const Fd& from, const Fd& to, double loss, Direction& d) {
  std::bernoulli_distribution drop(loss);
  static char packet[65536];
  for (int i = 0; i < 64; ++i) {
    ssize_t got = ::read(from.get(), packet, sizeof packet);
    if (got < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      throw Failure(Errno(std::string("reading a packet (") + d.name + ")"));
    }
    if (got == 0) return;
    if (drop(d.random)) {
      ++d.dropped;
      d.dropped_bytes += static_cast<uint64_t>(got);
    } else if (::write(to.get(), packet, static_cast<size_t>(got)) == got) {
      ++d.forwarded;
      d.forwarded_bytes += static_cast<uint64_t>(got);
    } else {
      ++d.write_errors;  // e.g. the other device is down: the packet is lost, as on a wire
    }
  }
}

void WriteStats(const std::string& path, const Direction& ab, const Direction& ba) {
  std::string line = "{" + ab.Json() + "," + ba.Json() + "}\n";
  FILE* out = path.empty() ? stdout : std::fopen(path.c_str(), "w");
  if (out == nullptr) throw Failure(Errno("cannot write " + path));
  bool ok = std::fputs(line.c_str(), out) >= 0;
  ok = (out == stdout ? std::fflush(out) : std::fclose(out)) == 0 && ok;
  if (!ok) throw Failure(Errno("cannot write " + (path.empty() ? std::string("stdout") : path)));
}

int Run(const Options& o) {
  // SIGTERM/SIGINT are read from a signalfd in the poll loop, so none is lost between polls.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  if (::sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) throw Failure(Errno("sigprocmask"));
  Fd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
  if (signal_fd.get() < 0) throw Failure(Errno("signalfd"));

  Fd home = Open("/proc/self/ns/net", O_RDONLY);
  Fd a = CreateTun(o.ns_a, o.dev_a, home);
  Fd b = CreateTun(o.ns_b, o.dev_b, home);
  std::printf("ready\n");
  std::fflush(stdout);

  Direction ab{"a_to_b", std::mt19937_64(o.seed)};
  Direction ba{"b_to_a", std::mt19937_64(o.seed ^ 0x9e3779b97f4a7c15ULL)};
  for (;;) {
    pollfd fds[3] = {{a.get(), POLLIN, 0}, {b.get(), POLLIN, 0}, {signal_fd.get(), POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      throw Failure(Errno("poll"));
    }
    if (fds[2].revents != 0) break;
    for (int i : {0, 1}) {
      if (fds[i].revents & (POLLERR | POLLHUP | POLLNVAL)) {
        throw Failure(std::string("TUN device ") + (i == 0 ? o.dev_a : o.dev_b) + " went away");
      }
    }
    if (fds[0].revents & POLLIN) Forward(a, b, o.loss, ab);
    if (fds[1].revents & POLLIN) Forward(b, a, o.loss, ba);
  }
  WriteStats(o.stats, ab, ba);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(Parse(argc, argv));
  } catch (const Usage& e) {
    std::fprintf(stderr, "bangban-lossy-link: %s\n%s", e.what(), kUsage);
    return 2;  // bad usage, as every bangban command
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bangban-lossy-link: %s\n", e.what());
    return 1;
  }
}
