// Threads sharing one model: inference from several std::threads at once gives exactly the
// results of one thread. Run under ASan/UBSan in CI (.ci/run step 2), which reports any data race
// that corrupts memory (a shared buffer written by two threads, a use after free).
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "ember/ember.h"
#include "ember/nn/rbm.h"

using namespace ember;

TEST_CASE("two threads running inference on a shared model match one thread", "[threads][nn]") {
    manual_seed(7);
    nn::Sequential mlp(nn::Linear(64, 128), nn::Sigmoid(), nn::Linear(128, 128), nn::ReLU(), nn::Linear(128, 10));
    nn::RBM rbm(64, 32);
    // Inputs of several sizes: small ones take the single-threaded kernel paths, the largest the
    // OpenMP-threaded GEMM and elementwise paths, nested inside the std::threads.
    std::vector<Tensor> inputs = {rand({1, 64}), rand({7, 64}), rand({300, 64})};

    // Catch2's assertions are not thread-safe: a worker counts mismatches, the main thread checks.
    auto run = [&](std::vector<Tensor>& outs, int& mismatches) {
        for (int rep = 0; rep < 20; ++rep) {
            for (std::size_t k = 0; k < inputs.size(); ++k) {
                const Tensor& x = inputs[k];
                // One thread records (grad mode on, as a careless user would), the other uses
                // NoGradGuard: grad mode is per thread, and recording must not disturb the other.
                Tensor y = mlp->forward(x);
                Tensor h = rbm->hidden_probs(x);
                if (rep == 0) {
                    outs.push_back(y.detach());
                    outs.push_back(h.detach());
                } else {
                    // Every repetition in a thread must also agree with its first.
                    if (!equal(y, outs[2 * k]) || !equal(h, outs[2 * k + 1])) ++mismatches;
                }
            }
        }
    };

    std::vector<Tensor> reference;
    int ref_mismatches = 0, a_mismatches = 0, b_mismatches = 0;
    {
        NoGradGuard g;
        run(reference, ref_mismatches);
    }
    std::vector<Tensor> a, b;
    std::thread ta([&] {
        NoGradGuard g;
        run(a, a_mismatches);
    });
    std::thread tb([&] { run(b, b_mismatches); });  // recording
    ta.join();
    tb.join();
    CHECK(ref_mismatches == 0);
    CHECK(a_mismatches == 0);
    CHECK(b_mismatches == 0);
    REQUIRE(a.size() == reference.size());
    REQUIRE(b.size() == reference.size());
    for (std::size_t i = 0; i < reference.size(); ++i) {
        INFO("output " << i);
        CHECK(equal(a[i], reference[i]));
        CHECK(equal(b[i], reference[i]));
    }
    // The shared parameters were only read: no thread's recording left a gradient on them.
    for (const Tensor& p : mlp->parameters()) CHECK_FALSE(p.grad().defined());
}
