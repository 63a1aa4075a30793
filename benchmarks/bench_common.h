#pragma once
// Plumbing shared by the benchmark programs (bench_ember, bench_torch, bench_openblas): command-line
// parameters, timing, peak resident memory and the one-line JSON result that benchmarks/run collects.
// Nothing here knows about ember or libtorch, so both sides measure with the same code.
//
// Every program is called as   PROGRAM WORKLOAD [key=value ...]   and runs ONE repetition of one
// workload (after its own warm-up) in a fresh process, so that peak RSS is that side's alone and no
// thread pool of one library keeps spinning while the other is measured. It prints lines
//   RESULT {"side": ..., "name": ..., "value": ..., "unit": ..., "samples": [...], "peak_rss_kb": ...}
// on stdout; anything else it prints is ignored by the driver.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

template <typename F>
double time_once(F&& fn) {
    const auto t0 = Clock::now();
    fn();
    return seconds_since(t0);
}

inline double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Peak resident set size of this process so far (VmHWM), in KiB; 0 when /proc is unavailable.
inline long peak_rss_kb() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    return 0;
}

// key=value parameters after the workload name.
class Args {
public:
    Args(int argc, char** argv, int first) {
        for (int i = first; i < argc; ++i) {
            std::string s = argv[i];
            auto eq = s.find('=');
            if (eq == std::string::npos) {
                std::fprintf(stderr, "bad argument '%s' (expected key=value)\n", argv[i]);
                std::exit(2);
            }
            kv_[s.substr(0, eq)] = s.substr(eq + 1);
        }
    }
    long get_int(const std::string& k, long def) const {
        auto it = kv_.find(k);
        return it == kv_.end() ? def : std::strtol(it->second.c_str(), nullptr, 10);
    }
    double get_double(const std::string& k, double def) const {
        auto it = kv_.find(k);
        return it == kv_.end() ? def : std::strtod(it->second.c_str(), nullptr);
    }
    std::string get(const std::string& k, const std::string& def) const {
        auto it = kv_.find(k);
        return it == kv_.end() ? def : it->second;
    }

private:
    std::map<std::string, std::string> kv_;
};

// Threads the driver asked for: threads=T, else OMP_NUM_THREADS, else 1.
inline int requested_threads(const Args& a) {
    const char* env = std::getenv("OMP_NUM_THREADS");
    return static_cast<int>(a.get_int("threads", env ? std::strtol(env, nullptr, 10) : 1));
}

inline std::string json_escape(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '"' || c == '\\') o += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;
        o += c;
    }
    return o;
}

// One result line. `samples` are the in-process measurements (same unit as value) the value summarises.
struct Result {
    std::string side, name, unit;
    double value = 0;
    bool higher_is_better = false;
    int threads = 1;
    std::vector<double> samples;
    std::vector<std::pair<std::string, std::string>> info;  // free-form strings (data source, kernel, ...)

    Result& add(const std::string& k, const std::string& v) {
        info.emplace_back(k, v);
        return *this;
    }
    void print() const {
        std::ostringstream o;
        o.precision(9);
        o << "RESULT {\"side\": \"" << json_escape(side) << "\", \"name\": \"" << json_escape(name)
          << "\", \"unit\": \"" << json_escape(unit) << "\", \"value\": " << value
          << ", \"higher_is_better\": " << (higher_is_better ? "true" : "false") << ", \"threads\": " << threads
          << ", \"peak_rss_kb\": " << peak_rss_kb() << ", \"samples\": [";
        for (std::size_t i = 0; i < samples.size(); ++i) o << (i ? ", " : "") << samples[i];
        o << "], \"info\": {";
        for (std::size_t i = 0; i < info.size(); ++i)
            o << (i ? ", " : "") << "\"" << json_escape(info[i].first) << "\": \"" << json_escape(info[i].second)
              << "\"";
        o << "}}\n";
        std::fputs(o.str().c_str(), stdout);
        std::fflush(stdout);
    }
};

// The Fashion-MNIST training images, flattened to [N, 784] bytes, from the gzip-compressed (or plain)
// IDX file in `root` - the same file ember's data loader reads. Used by the libtorch side, which has
// no Fashion-MNIST reader of its own; empty when the file is missing. `gunzip` reads a whole file.
template <typename Gunzip>
std::vector<unsigned char> read_idx_images(const std::string& root, Gunzip&& gunzip, long& rows, long& cols) {
    std::vector<unsigned char> bytes;
    for (const char* name : {"train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"}) {
        bytes = gunzip(root + "/" + name);
        if (!bytes.empty()) break;
    }
    if (bytes.size() < 16) return {};
    auto be32 = [&](std::size_t off) {
        return (long(bytes[off]) << 24) | (long(bytes[off + 1]) << 16) | (long(bytes[off + 2]) << 8) |
               long(bytes[off + 3]);
    };
    if (be32(0) != 0x0803) return {};
    rows = be32(4);
    cols = be32(8) * be32(12);
    if (static_cast<long>(bytes.size()) < 16 + rows * cols) return {};
    return std::vector<unsigned char>(bytes.begin() + 16, bytes.begin() + 16 + rows * cols);
}

// The GEMM workload's problem, identical on every side: square n x n float32 A, B in [-1, 1] from
// one fixed seed, C zeroed; `iters` timed calls (fewer for larger n).
// A training-step workload's measurement: `warmup` untimed calls of step, then `steps` timed ones
// into r.samples (seconds times `per_second`: 1 for s, 1e3 for ms), r.value their median.
template <typename F>
void time_steps(Result& r, long warmup, long steps, F&& step, double per_second) {
    for (long i = 0; i < warmup; ++i) step();
    for (long i = 0; i < steps; ++i) r.samples.push_back(time_once(step) * per_second);
    r.value = median(r.samples);
}

struct GemmProblem {
    long n = 0, iters = 0;
    std::vector<float> A, B, C;
};
inline GemmProblem gemm_problem(const Args& a) {
    GemmProblem p;
    p.n = a.get_int("n", 1024);
    p.iters = a.get_int("iters", p.n <= 512 ? 30 : p.n <= 1024 ? 10 : 4);
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    p.A.resize(p.n * p.n);
    p.B.resize(p.n * p.n);
    p.C.assign(p.n * p.n, 0.f);
    for (auto& v : p.A) v = dist(rng);
    for (auto& v : p.B) v = dist(rng);
    return p;
}

}  // namespace bench
