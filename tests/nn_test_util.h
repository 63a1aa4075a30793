#pragma once
// Helpers shared by test_nn, test_losses and test_optim.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "ember/ember.h"

namespace nn_test {

using ember::Tensor;

inline std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

// Element-by-element comparison with a relative-and-absolute tolerance.
inline void require_close(const std::vector<double>& got, const std::vector<double>& want, double tol = 1e-6) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("element " << i << ": got " << got[i] << ", want " << want[i]);
        REQUIRE(std::isfinite(got[i]));
        REQUIRE(std::abs(got[i] - want[i]) <= tol * (1 + std::abs(want[i])));
    }
}
inline void require_close(const Tensor& got, const std::vector<double>& want, double tol = 1e-6) {
    require_close(values(got), want, tol);
}
inline void require_close(const Tensor& got, double want, double tol = 1e-6) {
    require_close(values(got), std::vector<double>{want}, tol);
}

// Runs `fn`, requires it to throw E, and returns the message (to check what it names).
template <typename E, typename Fn>
std::string message_of(Fn&& fn) {
    try {
        fn();
    } catch (const E& e) {
        return e.what();
    } catch (const std::exception& e) {
        FAIL("threw the wrong exception type: " << e.what());
    }
    FAIL("did not throw");
    return "";
}

inline Tensor f64(std::initializer_list<double> v) { return ember::tensor(v, ember::dtype(ember::kFloat64)); }

}  // namespace nn_test
