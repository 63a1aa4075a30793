#pragma once
// EMBER_ARG: the libtorch TORCH_ARG idiom for options objects. Inside an options struct,
//   EMBER_ARG(double, lr) = 1e-3;
// declares a member `lr_` plus a chainable setter `lr(v)` and a getter `lr()`, so that
// `SGDOptions(0.1).momentum(0.9).nesterov(true)` reads as in libtorch.
#define EMBER_ARG(T, name)                    \
public:                                       \
    auto& name(const T& new_##name) {         \
        this->name##_ = new_##name;           \
        return *this;                         \
    }                                         \
    const T& name() const { return name##_; } \
                                              \
    T name##_
