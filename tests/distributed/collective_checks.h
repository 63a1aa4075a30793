#pragma once
// The value checks of ember::distributed's collectives, shared by the mpi test (CPU tensors) and
// the nccl test (CUDA tensors). Every rank checks every result against values it computes alone:
// rank r's tensor is a known function of r, so the expected reduction over ranks is a loop over r
// in float64. `device` says where the tensors live; rank_checks.h counts the failed checks.
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "ember/distributed/distributed.h"
#include "ember/ember.h"
#include "rank_checks.h"

namespace dist = ember::distributed;
using dist::ReduceOp;
using ember::Tensor;

namespace collective_checks {
using rank_checks::check;
using rank_checks::expect_error;
using rank_checks::failures;
using rank_checks::my_rank;
// Where the tensors live: the CPU for the mpi backend, the GPU for nccl.
inline ember::Device device(ember::kCPU);

inline const std::vector<ember::ScalarType> kDtypes = {ember::kFloat32, ember::kFloat64, ember::kInt64,
                                                       ember::kBool,    ember::kUInt8,   ember::kInt32,
                                                       ember::kFloat16, ember::kBFloat16};

// Rank r's values in float64: small integers, some zero (so bool has true and false), some
// negative (so MIN and MAX differ from the sum's sign); uint8's are shifted up by one to stay
// non-negative. Every sum and product of three of them is exact in every dtype.
inline std::vector<double> values_of(int r, ember::ScalarType dtype = ember::kFloat64) {
    const int shift = dtype == ember::kUInt8 ? 0 : 1;
    std::vector<double> v(6);
    for (int i = 0; i < 6; ++i) v[i] = static_cast<double>((i * 7 + r * 3) % 5 - shift);
    return v;
}
inline Tensor make(int r, ember::ScalarType dtype) {
    auto v = values_of(r, dtype);
    Tensor t = ember::empty({2, 3}, ember::dtype(ember::kFloat64));
    for (int i = 0; i < 6; ++i) t.data_ptr<double>()[i] = v[i];
    return t.to(device, dtype);
}
inline std::vector<double> as_doubles(const Tensor& t) {
    Tensor d = t.cpu().to(ember::kFloat64).contiguous();
    return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}
// Rank r's tensor as it is in `dtype` (bool keeps only "nonzero"), in float64.
inline std::vector<double> values_as(int r, ember::ScalarType dtype) { return as_doubles(make(r, dtype)); }

// The reduction over ranks `ranks` of their values, as the backend defines it for this dtype.
inline std::vector<double> expected_reduce(const std::vector<int>& ranks, ReduceOp op, ember::ScalarType dtype) {
    std::vector<double> out(6);
    for (int i = 0; i < 6; ++i) {
        bool any = false, all = true;
        double sum = 0, prod = 1, mn = INFINITY, mx = -INFINITY;
        for (int r : ranks) {
            double x = values_of(r, dtype)[i];
            any = any || x != 0;
            all = all && x != 0;
            sum += x;
            prod *= x;
            mn = std::min(mn, x);
            mx = std::max(mx, x);
        }
        if (dtype == ember::kBool)
            out[i] = (op == ReduceOp::SUM || op == ReduceOp::MAX) ? any : all;
        else
            out[i] = op == ReduceOp::SUM       ? sum
                     : op == ReduceOp::AVG     ? sum / static_cast<double>(ranks.size())
                     : op == ReduceOp::PRODUCT ? prod
                     : op == ReduceOp::MIN     ? mn
                                               : mx;
    }
    return out;
}

inline bool close(const std::vector<double>& got, const std::vector<double>& want, double tolerance = 1e-6) {
    if (got.size() != want.size()) return false;
    for (size_t i = 0; i < got.size(); ++i)
        if (std::abs(got[i] - want[i]) > tolerance * (1 + std::abs(want[i]))) return false;
    return true;
}
// Only AVG is inexact (a sum divided by the world size): one rounding to the dtype, whose unit
// roundoff is 2^-11 for float16 and 2^-8 for bfloat16.
inline double tolerance(ember::ScalarType dtype) {
    return dtype == ember::kFloat16 ? 0x1p-11 : dtype == ember::kBFloat16 ? 0x1p-8 : 1e-6;
}

// A non-contiguous {2, 3} view (every other column of a {2, 6} zero tensor) holding rank r's values;
// the columns between must stay zero.
inline Tensor strided(const Tensor& values, Tensor& base) {
    base = ember::zeros({2, 6}, ember::dtype(values.scalar_type()).device(device));
    Tensor view = base.slice(1, 0, 6, 2);
    view.copy_(values);
    return view;
}
inline bool gaps_untouched(const Tensor& base) {
    for (double x : as_doubles(base.slice(1, 1, 6, 2)))
        if (x != 0) return false;
    return true;
}

inline std::string name(const char* what, ember::ScalarType dtype, ReduceOp op) {
    return std::string(what) + " " + ember::dtype_name(dtype) + " " + dist::reduce_op_name(op);
}

inline void test_all_reduce(int world) {
    std::vector<int> ranks;
    for (int r = 0; r < world; ++r) ranks.push_back(r);
    for (auto dtype : kDtypes)
        for (ReduceOp op : {ReduceOp::SUM, ReduceOp::AVG, ReduceOp::PRODUCT, ReduceOp::MIN, ReduceOp::MAX}) {
            if (op == ReduceOp::AVG && !ember::is_floating(dtype)) continue;
            Tensor t = make(my_rank, dtype);
            dist::all_reduce(t, op);
            check(t.scalar_type() == dtype && close(as_doubles(t), expected_reduce(ranks, op, dtype), tolerance(dtype)),
                  name("all_reduce", dtype, op));
            Tensor base;
            Tensor view = strided(make(my_rank, dtype), base);
            check(!view.is_contiguous(), "the strided view is non-contiguous");
            dist::all_reduce(view, op);
            check(close(as_doubles(view), expected_reduce(ranks, op, dtype), tolerance(dtype)) && gaps_untouched(base),
                  name("all_reduce non-contiguous", dtype, op));
        }
}

inline void test_broadcast(int world) {
    for (auto dtype : kDtypes)
        for (int src = 0; src < world; ++src) {
            Tensor t = make(my_rank, dtype);
            dist::broadcast(t, src);
            check(close(as_doubles(t), values_as(src, dtype)), std::string("broadcast ") + ember::dtype_name(dtype));
            Tensor base;
            Tensor view = strided(make(my_rank, dtype), base);
            dist::broadcast(view, src);
            check(close(as_doubles(view), values_as(src, dtype)) && gaps_untouched(base),
                  std::string("broadcast non-contiguous ") + ember::dtype_name(dtype));
        }
}

inline void test_all_gather(int world) {
    for (auto dtype : kDtypes) {
        std::vector<Tensor> outputs;
        for (int r = 0; r < world; ++r) outputs.push_back(ember::empty({2, 3}, ember::dtype(dtype).device(device)));
        dist::all_gather(outputs, make(my_rank, dtype));
        for (int r = 0; r < world; ++r)
            check(close(as_doubles(outputs[r]), values_as(r, dtype)),
                  std::string("all_gather ") + ember::dtype_name(dtype));
        // Non-contiguous input and outputs.
        Tensor in_base;
        Tensor input = strided(make(my_rank, dtype), in_base);
        std::vector<Tensor> bases(world), views;
        for (int r = 0; r < world; ++r)
            views.push_back(strided(ember::zeros({2, 3}, ember::dtype(dtype).device(device)), bases[r]));
        dist::all_gather(views, input);
        for (int r = 0; r < world; ++r)
            check(close(as_doubles(views[r]), values_as(r, dtype)) && gaps_untouched(bases[r]),
                  std::string("all_gather non-contiguous ") + ember::dtype_name(dtype));
    }
}

inline void test_reduce_scatter(int world) {
    // Rank s sends make(s * world + q) to rank q; rank r receives the reduction over s of make(s * world + r).
    std::vector<int> sources;
    for (int s = 0; s < world; ++s) sources.push_back(s * world + my_rank);
    for (auto dtype : kDtypes)
        for (ReduceOp op : {ReduceOp::SUM, ReduceOp::AVG, ReduceOp::PRODUCT, ReduceOp::MIN, ReduceOp::MAX}) {
            if (op == ReduceOp::AVG && !ember::is_floating(dtype)) continue;
            std::vector<Tensor> inputs;
            for (int q = 0; q < world; ++q) inputs.push_back(make(my_rank * world + q, dtype));
            Tensor out = ember::empty({2, 3}, ember::dtype(dtype).device(device));
            dist::reduce_scatter(out, inputs, op);
            check(close(as_doubles(out), expected_reduce(sources, op, dtype), tolerance(dtype)),
                  name("reduce_scatter", dtype, op));
            Tensor base;
            Tensor view = strided(ember::zeros({2, 3}, ember::dtype(dtype).device(device)), base);
            std::vector<Tensor> strided_inputs, input_bases(world);
            for (int q = 0; q < world; ++q) strided_inputs.push_back(strided(inputs[q], input_bases[q]));
            dist::reduce_scatter(view, strided_inputs, op);
            check(
                close(as_doubles(view), expected_reduce(sources, op, dtype), tolerance(dtype)) && gaps_untouched(base),
                name("reduce_scatter non-contiguous", dtype, op));
        }
}

}  // namespace collective_checks
