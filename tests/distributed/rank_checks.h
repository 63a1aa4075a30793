#pragma once
// The self-checks of the MPI test programs: every rank counts its failed checks in `failures`
// (the program returns non-zero when there are any) and prints each one with its rank.
#include <cstdio>
#include <exception>
#include <functional>
#include <string>

namespace rank_checks {
inline int failures = 0;
inline int my_rank = -1;

inline void check(bool ok, const std::string& what) {
    if (!ok) {
        ++failures;
        std::fprintf(stderr, "FAILED on rank %d: %s\n", my_rank, what.c_str());
    }
}

// Expects `call` to throw ErrorType with `needle` in its message.
template <typename ErrorType>
inline void expect_error(const std::string& what, const std::function<void()>& call, const std::string& needle) {
    try {
        call();
        check(false, what + ": no error was thrown");
    } catch (const ErrorType& e) {
        check(std::string(e.what()).find(needle) != std::string::npos,
              what + ": message \"" + e.what() + "\" lacks \"" + needle + "\"");
    } catch (const std::exception& e) {
        check(false, what + ": wrong error type: " + e.what());
    }
}
}  // namespace rank_checks
