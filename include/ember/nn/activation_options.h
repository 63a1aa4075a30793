#pragma once
// The options of the activations, libtorch's names and defaults, shared by the modules
// (nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2))) and the functional forms
// (F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.2))).
#include <cstdint>
#include <optional>
#include <string>

#include "ember/nn/options.h"
#include "ember/tensor/dtype.h"

namespace ember::nn {

// inplace: overwrite the input instead of allocating the output (the input must not be a leaf
// that requires grad, as for every in-place op).
struct ReLUOptions {
    /* implicit */ ReLUOptions(bool inplace = false) : inplace_(inplace) {}
    EMBER_ARG(bool, inplace);
};

struct LeakyReLUOptions {
    EMBER_ARG(double, negative_slope) = 1e-2;
    EMBER_ARG(bool, inplace) = false;
};

struct ELUOptions {
    EMBER_ARG(double, alpha) = 1.0;
    EMBER_ARG(bool, inplace) = false;
};

// approximate: "none" (x Phi(x), exact) or "tanh".
struct GELUOptions {
    EMBER_ARG(std::string, approximate) = "none";
};

struct HardtanhOptions {
    EMBER_ARG(double, min_val) = -1.0;
    EMBER_ARG(double, max_val) = 1.0;
    EMBER_ARG(bool, inplace) = false;
};

struct SoftplusOptions {
    EMBER_ARG(double, beta) = 1.0;
    EMBER_ARG(double, threshold) = 20.0;
};

struct SoftmaxOptions {
    SoftmaxOptions(int64_t dim) : dim_(dim) {}
    EMBER_ARG(int64_t, dim);
};

struct LogSoftmaxOptions {
    LogSoftmaxOptions(int64_t dim) : dim_(dim) {}
    EMBER_ARG(int64_t, dim);
};

namespace functional {

using ReLUFuncOptions = ReLUOptions;
using LeakyReLUFuncOptions = LeakyReLUOptions;
using ELUFuncOptions = ELUOptions;
using GELUFuncOptions = GELUOptions;
using HardtanhFuncOptions = HardtanhOptions;
using SoftplusFuncOptions = SoftplusOptions;

// The functional softmax also takes the dtype to compute in (the input is converted first).
struct SoftmaxFuncOptions {
    SoftmaxFuncOptions(int64_t dim) : dim_(dim) {}
    EMBER_ARG(int64_t, dim);
    EMBER_ARG(std::optional<ScalarType>, dtype) = std::nullopt;
};

struct LogSoftmaxFuncOptions {
    LogSoftmaxFuncOptions(int64_t dim) : dim_(dim) {}
    EMBER_ARG(int64_t, dim);
    EMBER_ARG(std::optional<ScalarType>, dtype) = std::nullopt;
};

}  // namespace functional

}  // namespace ember::nn
