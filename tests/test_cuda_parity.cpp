// CPU vs CUDA parity: every row of the test registry (tests/op_registry.cpp) on both devices,
// forward and backward, in float64 and float32, with contiguous, strided, transposed and broadcast
// (expanded) inputs. The rows sized for the CUDA kernels' paths (split and column reductions, block
// and warp rows) are registry rows too, marked parity only.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "core_test_util.h"
#include "cuda_test_util.h"
#include "op_registry.h"

using namespace ember;
using namespace cuda_test;
using op_registry::Sizes;
using op_registry::TL;

namespace {

// How a logical input of shape S is presented to the op (as in tests/test_gradcheck.cpp): the leaf
// has shape stored(S) and `view` makes the op's input from it, so gradients flow through the view.
struct ParityLayout {
    std::string name;
    std::function<bool(const Sizes&)> applies;
    std::function<Sizes(const Sizes&)> stored;
    std::function<Tensor(const Tensor&, const Sizes&)> view;
};

const std::vector<ParityLayout>& parity_layouts() {
    static const std::vector<ParityLayout> layouts = {
        {"contiguous", [](const Sizes&) { return true; }, [](const Sizes& s) { return s; },
         [](const Tensor& t, const Sizes&) { return t; }},
        {"strided",  // every second element of a buffer with a trailing dim of 2
         [](const Sizes&) { return true; },
         [](const Sizes& s) {
             Sizes r = s;
             r.push_back(2);
             return r;
         },
         [](const Tensor& t, const Sizes&) { return t.select(-1, 1); }},
        {"transposed",  // last two dims stored swapped
         [](const Sizes& s) { return s.size() >= 2; },
         [](const Sizes& s) {
             Sizes r = s;
             std::swap(r[r.size() - 1], r[r.size() - 2]);
             return r;
         },
         [](const Tensor& t, const Sizes&) { return t.transpose(-1, -2); }},
        {"expanded",  // dim 0 broadcast from size 1 (stride 0)
         [](const Sizes& s) { return !s.empty() && s[0] > 1; },
         [](const Sizes& s) {
             Sizes r = s;
             r[0] = 1;
             return r;
         },
         [](const Tensor& t, const Sizes& s) { return t.expand(s); }},
    };
    return layouts;
}

int64_t count(const Sizes& s) {
    int64_t n = 1;
    for (int64_t v : s) n *= v;
    return n;
}

}  // namespace

CUDA_TEST_CASE("cuda: every op matches the CPU, forward and backward, in every input layout") {
    if (!gpu_or_skip()) return;
    uint32_t seed = 100;
    int checked = 0;
    for (ScalarType dt : {kFloat64, kFloat32}) {
        // float64: only the order of additions and the last bit of exp/log differ between the
        // devices, so any indexing mistake shows far above these tolerances. float32: loose enough
        // for sums over 10^5 elements accumulated in a different order.
        const double rtol = dt == kFloat64 ? 1e-9 : 2e-4, atol = dt == kFloat64 ? 1e-9 : 2e-4;
        for (const op_registry::OpRow& row : op_registry::op_rows()) {
            if (!row.parity) continue;
            for (const ParityLayout& layout : parity_layouts()) {
                bool any = false;
                for (const Sizes& s : row.shapes) any |= layout.applies(s);
                if (!any) continue;
                // Big inputs: contiguous and one non-contiguous layout are enough.
                int64_t total = 0;
                for (const Sizes& s : row.shapes) total += count(s);
                if (total > 100000 && (layout.name == "transposed" || layout.name == "expanded")) continue;
                INFO("op " << row.name << ", layout " << layout.name << ", " << dtype_name(dt));
                TL cpu_leaves, gpu_leaves, cpu_in, gpu_in;
                for (const Sizes& s : row.shapes) {
                    const bool use = layout.applies(s);
                    Sizes stored = use ? layout.stored(s) : s;
                    Tensor c =
                        core_test::make(core_test::random_values(count(stored), row.lo, row.hi, seed++), stored, dt);
                    Tensor g = c.to(kGpu);
                    if (row.backward) {
                        c.requires_grad_();
                        g.requires_grad_();
                    }
                    cpu_leaves.push_back(c);
                    gpu_leaves.push_back(g);
                    cpu_in.push_back(use ? layout.view(c, s) : c);
                    gpu_in.push_back(use ? layout.view(g, s) : g);
                }
                Tensor out_c, out_g;
                try {
                    out_c = row.fn(cpu_in, Device(kCPU));
                    out_g = row.fn(gpu_in, kGpu);
                } catch (const Error& e) {
                    FAIL("threw: " << e.what());
                }
                check_same(out_g, out_c, rtol, atol, "forward");
                {
                    // The GPU forward again: the kernels are deterministic, so bitwise the same.
                    NoGradGuard ng;
                    REQUIRE(equal(row.fn(gpu_in, kGpu).cpu(), out_g.detach().cpu()));
                }
                if (!row.backward || !out_c.is_floating_point()) {
                    ++checked;
                    continue;
                }
                // Backward of <out, w> for fixed random weights w: every input's gradient.
                Sizes os(out_c.sizes().begin(), out_c.sizes().end());
                Tensor w = core_test::make(core_test::random_values(count(os), -1, 1, seed++), os, out_c.dtype());
                (out_c * w).sum().backward();
                (out_g * w.to(kGpu)).sum().backward();
                for (std::size_t i = 0; i < cpu_leaves.size(); ++i)
                    check_same(gpu_leaves[i].grad(), cpu_leaves[i].grad(), rtol, atol,
                               str_cat("gradient of input ", i));
                ++checked;
            }
        }
    }
    REQUIRE(checked > 300);
}
