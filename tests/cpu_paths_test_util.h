#pragma once
// Which CPU code paths a test runs, said out loud. The GEMM and vec_math kernels pick AVX-512,
// AVX2 or portable code at run time (src/cpu/cpu_features.h); a test that loops over "the paths
// this CPU supports" would otherwise lose a path without a word on a smaller CPU. So:
// - a path cpu_features says this CPU can run must run: forcing it must succeed and the kernel
//   must then report that path, or the test fails;
// - a path it cannot run is reported once per test as a warning "NOT RUN: <path> path (<reason>)";
// - a test that can run none of its paths says "SKIPPED: ..." (ctest then counts it as skipped).
//   A test that ran some of its paths never says SKIPPED.
// EMBER_CPU_ISA=avx2 (or scalar) makes this machine take a smaller CPU's paths.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <functional>
#include <iostream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core_test_util.h"
#include "cpu/cpu_features.h"

namespace cpu_paths {

struct Path {
    std::string name;
    bool supported;      // per cpu_features (the CPU has it and EMBER_CPU_ISA allows it)
    std::string reason;  // why not, when not supported
};

inline std::string lacks(const char* isa, bool hardware_has) {
    if (!hardware_has) return std::string("CPU lacks ") + isa;
    const char* cap = std::getenv("EMBER_CPU_ISA");
    return std::string("EMBER_CPU_ISA=") + (cap ? cap : "") + " hides " + isa;
}

// The paths of a dispatching kernel, widest first; `portable` names its plain C++ path
// ("generic" for GEMM, "scalar" for vec_math), which every CPU runs.
inline std::vector<Path> all_paths(const std::string& portable) {
    using namespace ember::cpu;
    return {{"avx512", cpu_has_avx512(), lacks("AVX-512F/VL/BW/DQ", cpu_hardware_has_avx512())},
            {"avx2", cpu_has_avx2(), lacks("AVX2/FMA", cpu_hardware_has_avx2())},
            {portable, true, ""}};
}

// Prints `line` once per test case (Catch2 re-enters a test case once per section).
inline bool first_time(const std::string& line) {
    static std::set<std::string> seen;
    return seen.insert(Catch::getResultCapture().getCurrentTestName() + "\n" + line).second;
}

inline void not_run(const std::string& path, const std::string& reason) {
    const std::string line = "NOT RUN: " + path + " path (" + reason + ")";
    if (first_time(line)) WARN(line);
}

// Every path of `paths` this CPU runs, after checking each against the kernel's own switch:
// force(name) must succeed for a supported path and then name() must report it; for an
// unsupported one force must throw std::invalid_argument (and the path is reported as not run).
// Leaves the kernel on automatic dispatch (force(nullptr)).
inline std::vector<std::string> runnable(const std::vector<Path>& paths, const std::function<void(const char*)>& force,
                                         const std::function<std::string()>& name) {
    std::vector<std::string> out;
    for (const Path& p : paths) {
        INFO("path " << p.name);
        if (p.supported) {
            try {
                force(p.name.c_str());
            } catch (const std::invalid_argument& e) {
                FAIL("cpu_features says this CPU runs the " << p.name << " path, but forcing it failed: " << e.what());
            }
            REQUIRE(name() == p.name);
            out.push_back(p.name);
        } else {
            core_test::require_throws_with<std::invalid_argument>([&] { force(p.name.c_str()); }, {"CPU lacks"});
            not_run(p.name, p.reason);
        }
    }
    force(nullptr);
    return out;
}

// For a test that can run none of its paths: "SKIPPED: <what> (<reason>)" (kept short, so the
// console reporter prints it on one line).
inline void skipped(const std::string& what, const std::string& reason) {
    WARN("SKIPPED: " << what << " (" << reason << ")");
}

// Names the paths a test runs, once per test case, on standard output.
inline void say_ran(const std::vector<std::string>& ran) {
    std::string line = "paths run:";
    for (const std::string& r : ran) line += " " + r;
    if (first_time(line)) std::cout << Catch::getResultCapture().getCurrentTestName() << ": " << line << "\n";
}

// The widest supported path of `paths`: what automatic dispatch must pick.
inline std::string widest(const std::vector<Path>& paths) {
    for (const Path& p : paths)
        if (p.supported) return p.name;
    return "";
}

}  // namespace cpu_paths
