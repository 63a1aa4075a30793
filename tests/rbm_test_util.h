#pragma once
// A float64 RBM with N(0, scale^2) weights and biases, for tests that compare it with closed forms
// or brute-force enumeration (float64, so the comparison measures the method, not rounding).
#include "ember/ember.h"
#include "ember/nn/rbm.h"

namespace rbm_test {

inline ember::nn::RBM random_rbm(int64_t nv, int64_t nh, double scale = 1.0,
                                 ember::nn::VisibleUnits visible = ember::nn::VisibleUnits::Bernoulli) {
    ember::nn::RBM rbm(nv, nh, visible);
    rbm->to(ember::kFloat64);
    ember::NoGradGuard g;
    rbm->weight.normal_(0, scale);
    rbm->visible_bias.normal_(0, scale);
    rbm->hidden_bias.normal_(0, scale);
    return rbm;
}

}  // namespace rbm_test
