#pragma once
// The vec_math paths (scalar, AVX2, AVX-512) a test loops over, through cpu_paths_test_util.h:
// every path this CPU runs, each forced in turn; the others reported as NOT RUN.
#include <string>
#include <vector>

#include "cpu/vec_math.h"
#include "cpu_paths_test_util.h"

namespace vec_math_paths {

// Restores vec_math's own choice of path when a test that forced one ends (or fails).
struct PathGuard {
    ~PathGuard() { ember::cpu::vec_math_force(nullptr); }
};

inline const std::vector<cpu_paths::Path>& all() {
    static const std::vector<cpu_paths::Path> paths = cpu_paths::all_paths("scalar");
    return paths;
}

// Every path this CPU runs (each checked to be selectable); the others are reported as not run.
inline std::vector<std::string> supported() {
    std::vector<std::string> ran = cpu_paths::runnable(
        all(), [](const char* p) { ember::cpu::vec_math_force(p); },
        [] { return std::string(ember::cpu::vec_math_path()); });
    cpu_paths::say_ran(ran);
    return ran;
}

}  // namespace vec_math_paths
