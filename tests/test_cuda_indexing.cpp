// The per-element indexing the CUDA kernels run: cuda::apply_element and the gather/scatter_add
// offsets of cuda/index_math.h, executed on the host against the CPU kernels (no GPU needed),
// and on the GPU, out-of-range indices reported as the CPU reports them.
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core_test_util.h"
#include "cuda/index_math.h"
#include "cuda/loops.h"
#include "cuda_test_util.h"
#include "kernels/functors.h"
#include "ops/internal.h"

using namespace ember;
using namespace cuda_test;

namespace {
// Runs what the CUDA kernel runs for every flat index, here on the host: out = f(a, b).
template <typename Out, typename T, typename F>
void host_emulate(const Tensor& out, const Tensor& a, const Tensor& b, F f) {
    kernels::StridedIter it = detail::make_iter(out, {&a, &b});
    for (int64_t i = 0; i < it.numel; ++i) cuda::apply_element<Out, T, T>(it, f, i);
}
}  // namespace

TEST_CASE("cuda: the kernels' per-element indexing matches the CPU kernels", "[cuda]") {
    manual_seed(7);
    Tensor a = randn({3, 4, 5});
    Tensor bt = randn({5, 4, 3}).permute({2, 1, 0});  // no dims coalesce
    Tensor row = randn({5});                          // broadcast along two dims
    Tensor col = randn({3, 1, 1});

    SECTION("transposed operand") {
        Tensor out = empty({3, 4, 5});
        host_emulate<float, float>(out, a, bt, kernels::AddPlainF{});
        REQUIRE(allclose(out, a + bt, 0, 0));
    }
    SECTION("broadcast operands, alpha") {
        Tensor out = empty({3, 4, 5});
        host_emulate<float, float>(out, row, col, kernels::SubF{2.0});
        REQUIRE(allclose(out, sub(row, col, 2.0), 1e-6, 1e-6));
    }
    SECTION("comparison into bool, strided output") {
        Tensor out_t = empty({5, 4, 3}, dtype(kBool)).permute({2, 1, 0});
        host_emulate<bool, float>(out_t, a, bt, kernels::LtF{});
        REQUIRE(equal(out_t, lt(a, bt)));
    }
    SECTION("coalesced 1-d and 0-d iterators") {
        Tensor out = empty({3, 4, 5});
        host_emulate<float, float>(out, a, a, kernels::MulF{});
        REQUIRE(detail::make_iter(out, {&a, &a}).ndim == 1);
        REQUIRE(allclose(out, a * a, 0, 0));
        Tensor s = scalar_tensor(3.0), t = scalar_tensor(4.0), o = scalar_tensor(0.0);
        REQUIRE(detail::make_iter(o, {&s, &t}).ndim == 0);
        host_emulate<float, float>(o, s, t, kernels::MulF{});
        REQUIRE(o.item<float>() == 12.0f);
    }
    SECTION("int64") {
        Tensor x = randint(-5, 5, {4, 6}), y = randint(1, 4, {6, 4}).t();
        Tensor out = empty({4, 6}, dtype(kInt64));
        host_emulate<int64_t, int64_t>(out, x, y, kernels::PowF{});
        REQUIRE(equal(out, pow(x, y)));
    }
}

namespace {
// The iterator ops/index.cpp builds for gather (out, index) or scatter_add (index, src): every dim
// of the index kept, with the other tensor's strides (0 on dim d) riding along.
kernels::StridedIter index_iter(const Tensor& op0, const Tensor& op1, const Tensor& along, int64_t d,
                                int64_t* along_strides) {
    kernels::StridedIter it;
    const Tensor& index_shape = op0.dtype() == kInt64 ? op0 : op1;
    it.nops = 2;
    it.ndim = static_cast<int>(index_shape.dim());
    it.numel = index_shape.numel();
    it.data[0] = static_cast<char*>(op0.raw_data_ptr());
    it.data[1] = static_cast<char*>(op1.raw_data_ptr());
    for (int64_t i = 0; i < index_shape.dim(); ++i) {
        it.sizes[i] = index_shape.size(i);
        it.strides[0][i] = op0.stride(i);
        it.strides[1][i] = op1.stride(i);
        along_strides[i] = i == d ? 0 : along.stride(i);
    }
    return it;
}
}  // namespace

TEST_CASE("cuda: the gather/scatter_add kernels' offsets match the CPU kernels", "[cuda]") {
    manual_seed(11);
    for (int64_t d = 0; d < 3; ++d) {
        INFO("dim " << d);
        Tensor x = randn({6, 5, 4}).permute({2, 1, 0});  // [4, 5, 6], no dim contiguous
        std::vector<int64_t> isz = {3, 5, 4};
        isz[d] = 7;  // longer than x along d: duplicates guaranteed
        for (int64_t i = 0; i < 3; ++i)
            if (i != d) isz[i] = std::min(isz[i], x.size(i));
        Tensor index = randint(0, x.size(d), {isz[2], isz[1], isz[0]}).permute({2, 1, 0});  // strided index

        // gather: what gather_elements computes for every element n.
        Tensor out = ember::empty(isz);
        int64_t xs[kernels::kMaxDims] = {};
        kernels::StridedIter it = index_iter(out, index, x, d, xs);
        cuda::AlongDim a = cuda::make_along_dim(it.ndim, xs, x.stride(d), x.size(d));
        const float* xp = x.data_ptr<float>();
        const int64_t* ip = index.data_ptr<int64_t>();
        for (int64_t n = 0; n < it.numel; ++n) {
            cuda::ElementOffsets o = cuda::element_offsets_along(it, a, n);
            out.data_ptr<float>()[o.op0] = xp[o.along + ip[o.op1] * a.dim_stride];
        }
        REQUIRE(equal(out, gather(x, d, index)));

        // scatter_add: what scatter_add_lines computes, line by line, in order. The target is a
        // fresh contiguous clone, as in ops/; the result is bitwise the CPU's (same order of adds).
        Tensor src = randn({isz[2], isz[1], isz[0]}).permute({2, 1, 0});
        Tensor target = x.clone();
        int64_t ts[kernels::kMaxDims] = {};
        kernels::StridedIter st = index_iter(index, src, target, d, ts);
        cuda::AlongDim ta = cuda::make_along_dim(st.ndim, ts, target.stride(d), target.size(d));
        const int line = cuda::scatter_line_dim(st, ta);
        REQUIRE(line == d);
        const int64_t lines = cuda::scatter_line_count(st, line);
        REQUIRE(lines * isz[d] == st.numel);
        std::vector<int> seen(static_cast<std::size_t>(st.numel), 0);
        float* tp = target.data_ptr<float>();
        const float* sp = src.data_ptr<float>();
        for (int64_t l = 0; l < lines; ++l) {
            cuda::ScatterLine sl = cuda::scatter_line(st, ta, line, l);
            REQUIRE(sl.len == isz[d]);
            for (int64_t k = 0; k < sl.len; ++k) {
                // The flat position reported for a bad index is the element's place in the CPU's walk.
                const int64_t flat = sl.flat + k * sl.step_flat;
                REQUIRE(flat >= 0);
                REQUIRE(flat < st.numel);
                ++seen[static_cast<std::size_t>(flat)];
                cuda::ElementOffsets o = cuda::element_offsets_along(st, ta, flat);
                REQUIRE(o.op0 == sl.start.op0 + k * sl.step_index);
                REQUIRE(o.op1 == sl.start.op1 + k * sl.step_src);
                REQUIRE(o.along == sl.start.along);
                const int64_t v = ip[sl.start.op0 + k * sl.step_index];
                tp[sl.start.along + v * ta.dim_stride] += sp[sl.start.op1 + k * sl.step_src];
            }
        }
        for (int c : seen) REQUIRE(c == 1);
        REQUIRE(equal(target, scatter_add(x, d, index, src)));
    }
    SECTION("a size-1 scattered dim: every element is its own line") {
        Tensor x = randn({3, 4});
        Tensor index = randint(0, 4, {3, 1});
        int64_t ts[kernels::kMaxDims] = {};
        Tensor src = randn({3, 1}), target = x.clone();
        kernels::StridedIter st = index_iter(index, src, target, 1, ts);
        cuda::AlongDim ta = cuda::make_along_dim(st.ndim, ts, target.stride(1), target.size(1));
        REQUIRE(cuda::scatter_line_dim(st, ta) == -1);
        REQUIRE(cuda::scatter_line_count(st, -1) == 3);
        for (int64_t l = 0; l < 3; ++l) {
            cuda::ScatterLine sl = cuda::scatter_line(st, ta, -1, l);
            REQUIRE(sl.len == 1);
            REQUIRE(sl.flat == l);
        }
    }
}

CUDA_TEST_CASE("cuda: out-of-range indices are IndexErrors naming the CPU's position") {
    if (!gpu_or_skip()) return;
    Tensor x = randn({4, 5});
    Tensor gx = x.to(kGpu);
    auto same_error = [](const std::function<Tensor()>& cpu, const std::function<Tensor()>& gpu) {
        std::string cpu_msg, gpu_msg;
        try {
            cpu();
        } catch (const IndexError& e) {
            cpu_msg = e.what();
        }
        try {
            gpu();
        } catch (const IndexError& e) {
            gpu_msg = e.what();
        }
        REQUIRE(!cpu_msg.empty());
        // The messages differ only in the devices they name.
        auto strip = [](std::string m) {
            for (std::string dev : {std::string(", device=cuda:0"), std::string("cuda:0"), std::string("cpu")}) {
                for (std::size_t p; (p = m.find(dev)) != std::string::npos;) m.erase(p, dev.size());
            }
            return m;
        };
        REQUIRE(strip(gpu_msg) == strip(cpu_msg));
    };
    Tensor bad = tensor(std::vector<int64_t>{1, 7, 2, -1});
    same_error([&] { return index_select(x, 1, bad); }, [&] { return index_select(gx, 1, bad.to(kGpu)); });
    same_error(
        [&] {
            return index_add(x, 0, bad, randn({4, 5}));
        },
        [&] {
            return index_add(gx, 0, bad.to(kGpu), randn({4, 5}).to(kGpu));
        });
    Tensor gbad = tensor(std::vector<int64_t>{0, 1, 2, 5, 1, 9}).reshape({2, 3});
    same_error([&] { return gather(x, 1, gbad); }, [&] { return gather(gx, 1, gbad.to(kGpu)); });
    same_error(
        [&] {
            return scatter_add(x, 1, gbad, randn({2, 3}));
        },
        [&] {
            return scatter_add(gx, 1, gbad.to(kGpu), randn({2, 3}).to(kGpu));
        });
    REQUIRE_THROWS_AS(one_hot(tensor(std::vector<int64_t>{0, 3, 5}).to(kGpu), 4), IndexError);
    REQUIRE_THROWS_AS(one_hot(tensor(std::vector<int64_t>{0, -1}).to(kGpu), 4), IndexError);
    REQUIRE(equal(one_hot(tensor(std::vector<int64_t>{0, 3, 1}).to(kGpu), 4).cpu(),
                  one_hot(tensor(std::vector<int64_t>{0, 3, 1}), 4)));
    // The GPU is still usable after the errors (nothing was read or written out of bounds).
    REQUIRE(equal(index_select(gx, 1, tensor(std::vector<int64_t>{4, 0}).to(kGpu)).cpu(),
                  index_select(x, 1, tensor(std::vector<int64_t>{4, 0}))));
}

CUDA_TEST_CASE("cuda: index, index_put_ and assignment to views give the CPU's results on the GPU") {
    if (!gpu_or_skip()) return;
    using namespace ember::indexing;
    manual_seed(11);
    Tensor x = randn({3, 4, 5});
    Tensor gx = x.to(kGpu);
    Tensor rows = tensor({2, 0, -1}), cols = tensor({1, 3}).view({2, 1});
    Tensor mask = x > 0.5;
    auto both = [&](const std::function<Tensor(const Tensor&, bool)>& f) {
        Tensor c = f(x, false), g = f(gx, true);
        REQUIRE(g.device().is_cuda());
        REQUIRE(equal(g.cpu(), c));
    };
    auto on = [](const Tensor& t, bool gpu) { return gpu ? t.to(kGpu) : t; };
    both([&](const Tensor& t, bool) { return t.index({Slice(), 1, Slice(None, None, 2)}); });
    both([&](const Tensor& t, bool g) { return t.index({on(rows, g), Slice(), on(cols, g)}); });
    both([&](const Tensor& t, bool g) { return t.index({on(mask, g)}); });
    both([&](const Tensor& t, bool g) {
        Tensor u = t.clone();
        u.index_put_({on(mask, g)}, 0);
        u.index_put_({Slice(), on(rows, g)}, on(tensor({1.0, 2.0, 3.0, 4.0, 5.0}), g));
        u[1][2] = on(tensor({-1.0}), g);
        return u;
    });
}
