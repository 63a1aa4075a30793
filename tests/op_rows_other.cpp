// Rows of the test registry (tests/op_registry.h): linear algebra, shape, indexing, nn functions and composites.
// References are written from the definitions (libtorch's documented semantics), never from
// ember's code.
#include <algorithm>
#include <cmath>

#include "op_registry_rows.h"

namespace op_registry {

std::vector<OpRow> other_rows() {
    using namespace ember;
    namespace F = nn::functional;
    return {
        // ---- linear algebra ----
        {.name = "mm", .fn = [](const TL& x, Device) { return x[0].mm(x[1]); }, .shapes = {{5, 7}, {7, 3}}},
        {.name = "mm same operand", .fn = [](const TL& x, Device) { return x[0].mm(x[0].t()); }, .shapes = {{5, 7}}},
        {.name = "mm bigger",
         .fn = [](const TL& x, Device) { return x[0].mm(x[1]); },
         .shapes = {{70, 130}, {130, 90}},
         .gradcheck = false},
        {.name = "bmm", .fn = [](const TL& x, Device) { return bmm(x[0], x[1]); }, .shapes = {{2, 3, 4}, {2, 4, 2}}},
        {.name = "matmul batched broadcast",
         .fn = [](const TL& x, Device) { return x[0].matmul(x[1]); },
         .shapes = {{2, 1, 2, 3}, {3, 3, 2}}},
        {.name = "matmul 3-D @ 2-D",
         .fn = [](const TL& x, Device) { return x[0].matmul(x[1]); },
         .shapes = {{2, 2, 3}, {3, 2}}},
        {.name = "matmul vec @ mat",
         .fn = [](const TL& x, Device) { return matmul(x[0], x[1]); },
         .shapes = {{3}, {3, 2}}},
        {.name = "matmul mat @ vec",
         .fn = [](const TL& x, Device) { return matmul(x[0], x[1]); },
         .shapes = {{2, 3}, {3}}},
        {.name = "matmul batch @ vec",
         .fn = [](const TL& x, Device) { return matmul(x[0], x[1]); },
         .shapes = {{2, 2, 3}, {3}}},
        {.name = "matmul vec @ batch",
         .fn = [](const TL& x, Device) { return matmul(x[0], x[1]); },
         .shapes = {{3}, {2, 3, 2}}},
        {.name = "matmul vec @ vec",
         .fn = [](const TL& x, Device) { return matmul(x[0], x[1]); },
         .shapes = {{4}, {4}}},
        {.name = "outer", .fn = [](const TL& x, Device) { return outer(x[0], x[1]); }, .shapes = {{3}, {2}}},
        {.name = "addmm",
         .fn = [](const TL& x, Device) { return addmm(x[0], x[1], x[2], 0.5, 2.0); },
         .shapes = {{2}, {3, 2}, {2, 2}}},
        {.name = "addmm 2-D self, beta 1",
         .fn = [](const TL& x, Device) { return addmm(x[0], x[1], x[2]); },
         .shapes = {{3, 2}, {3, 4}, {4, 2}}},
        {.name = "addmm beta 0",
         .fn = [](const TL& x, Device) { return addmm(x[0], x[1], x[2], 0.0, 1.0); },
         .shapes = {{1, 2}, {3, 4}, {4, 2}}},
        // ---- shape ----
        {.name = "view split",
         .fn =
             [](const TL& x, Device) {
                 return x[0].view({1, 5, 7, 1}) * 2.0;
             },
         .shapes = {{5, 7}}},
        {.name = "view",
         .fn =
             [](const TL& x, Device) {
                 return x[0].view({3, 2}).sin();
             },
         .shapes = {{6}}},
        {.name = "reshape", .fn = [](const TL& x, Device) { return x[0].reshape({-1}).sin(); }, .shapes = {{5, 7}}},
        {.name = "transpose",
         .fn = [](const TL& x, Device) { return x[0].transpose(0, 2).exp(); },
         .shapes = {{2, 3, 2}}},
        {.name = "t", .fn = [](const TL& x, Device) { return x[0].t() * x[1]; }, .shapes = {{3, 2}, {2, 3}}},
        {.name = "permute",
         .fn =
             [](const TL& x, Device) {
                 return x[0].permute({2, 0, 1}).sin();
             },
         .shapes = {{2, 3, 2}}},
        {.name = "expand",
         .fn =
             [](const TL& x, Device) {
                 return x[0].expand({2, 3, 4}).sin();
             },
         .shapes = {{3, 1}}},
        {.name = "slice step",
         .fn = [](const TL& x, Device) { return x[0].slice(1, 1, 5, 2).exp(); },
         .shapes = {{3, 5}}},
        {.name = "narrow", .fn = [](const TL& x, Device) { return x[0].narrow(0, 1, 2).square(); }, .shapes = {{4, 2}}},
        {.name = "select", .fn = [](const TL& x, Device) { return x[0].select(1, 2).square(); }, .shapes = {{2, 4}}},
        {.name = "unsqueeze",
         .fn = [](const TL& x, Device) { return x[0].unsqueeze(0) * x[1].unsqueeze(-1); },
         .shapes = {{3}, {2, 3}}},
        {.name = "squeeze",
         .fn = [](const TL& x, Device) { return x[0].squeeze().square() + x[0].squeeze(0).sum(); },
         .shapes = {{1, 3, 1}}},
        {.name = "flatten", .fn = [](const TL& x, Device) { return x[0].flatten(1).exp(); }, .shapes = {{2, 2, 2}}},
        {.name = "contiguous",
         .fn = [](const TL& x, Device) { return x[0].t().contiguous().square(); },
         .shapes = {{5, 7}}},
        {.name = "clone", .fn = [](const TL& x, Device) { return x[0].clone().square(); }, .shapes = {{5, 7}}},
        {.name = "cat",
         .fn =
             [](const TL& x, Device) {
                 return cat({x[0], x[1], x[0]}, 1).square();
             },
         .shapes = {{2, 1}, {2, 3}}},
        {.name = "stack",
         .fn =
             [](const TL& x, Device) {
                 return stack({x[0], x[1]}, 1).exp();
             },
         .shapes = {{2, 3}, {2, 3}}},
        // The multi-view ops: one node for all outputs; the unused ones (u[3], c[1]) get zeros.
        {.name = "unbind",
         .fn =
             [](const TL& x, Device) {
                 std::vector<Tensor> u = x[0].unbind(1);
                 return u[0] * u[2] + u[1].square();
             },
         .shapes = {{3, 4}},
         .ref =
             [](const std::vector<std::vector<double>>& v) {
                 std::vector<double> out;
                 for (int i = 0; i < 3; ++i)
                     out.push_back(v[0][i * 4] * v[0][i * 4 + 2] + v[0][i * 4 + 1] * v[0][i * 4 + 1]);
                 return out;
             }},
        {.name = "unbind dim 0, every output",
         .fn = [](const TL& x, Device) { return stack(unbind(x[0], 0), 1).exp(); },
         .shapes = {{2, 3}},
         .ref =
             [](const std::vector<std::vector<double>>& v) {
                 // stack of the rows along dim 1 is the transpose
                 std::vector<double> out;
                 for (int j = 0; j < 3; ++j)
                     for (int i = 0; i < 2; ++i) out.push_back(std::exp(v[0][i * 3 + j]));
                 return out;
             }},
        {.name = "chunk",
         .fn =
             [](const TL& x, Device) {
                 std::vector<Tensor> c = x[0].chunk(3, 1);  // [2, 5] -> widths 2, 2, 1
                 return cat({c[2], c[0]}, 1).exp();
             },
         .shapes = {{2, 5}},
         .ref =
             [](const std::vector<std::vector<double>>& v) {
                 std::vector<double> out;
                 for (int i = 0; i < 2; ++i)
                     for (int j : {4, 0, 1}) out.push_back(std::exp(v[0][i * 5 + j]));
                 return out;
             }},
        {.name = "split",
         .fn =
             [](const TL& x, Device) {
                 std::vector<Tensor> s = split(x[0], 2, 0);  // [5, 2] -> rows 2, 2, 1
                 return s[1].sin() * s[0] + s[2];
             },
         .shapes = {{5, 2}},
         .ref =
             [](const std::vector<std::vector<double>>& v) {
                 std::vector<double> out;
                 for (int i = 0; i < 2; ++i)
                     for (int j = 0; j < 2; ++j)
                         out.push_back(std::sin(v[0][(2 + i) * 2 + j]) * v[0][i * 2 + j] + v[0][4 * 2 + j]);
                 return out;
             }},
        {.name = "to float64", .fn = [](const TL& x, Device) { return x[0].to(kFloat64) * 2.0; }, .shapes = {{5, 7}}},
        // ---- indexing ----
        {.name = "index_select",
         .fn =
             [](const TL& x, Device d) {
                 return x[0].index_select(0, ix({2, 0, 2}, {3}, d)).square();
             },
         .shapes = {{3, 2}}},
        {.name = "index_select dim 1",
         .fn =
             [](const TL& x, Device d) {
                 return index_select(x[0], 1, ix({1, 1, 4}, {3}, d)).exp();
             },
         .shapes = {{5, 7}}},
        {.name = "index_select big",
         .fn =
             [](const TL& x, Device d) {
                 manual_seed(21);
                 return index_select(x[0], 0, randint(0, 700, {500}).to(d)).sin();
             },
         .shapes = {{700, 90}},
         .gradcheck = false},
        {.name = "gather",
         .fn =
             [](const TL& x, Device d) {
                 return x[0].gather(1, ix({0, 2, 2, 1, 0, 0}, {3, 2}, d)).square();
             },
         .shapes = {{3, 3}}},
        {.name = "gather big",
         .fn =
             [](const TL& x, Device d) {
                 manual_seed(22);
                 return gather(x[0], 1, randint(0, 50, {400, 30}).to(d)).sin();
             },
         .shapes = {{400, 50}},
         .gradcheck = false},
        {.name = "scatter_add",
         .fn =
             [](const TL& x, Device d) {
                 return scatter_add(x[0], 1, ix({0, 2, 2, 1, 0, 0}, {3, 2}, d), x[1]).square();
             },
         .shapes = {{3, 3}, {3, 2}}},
        {.name = "scatter_add dim 0 big",
         .fn =
             [](const TL& x, Device d) {
                 manual_seed(23);
                 return scatter_add(x[0], 0, randint(0, 20, {300, 40}).to(d), x[1]).square();
             },
         .shapes = {{20, 40}, {300, 40}},
         .gradcheck = false},
        {.name = "index_add",
         .fn =
             [](const TL& x, Device d) {
                 return index_add(x[0], 0, ix({1, 1, 0}, {3}, d), x[1]).square();
             },
         .shapes = {{2, 3}, {3, 3}}},
        {.name = "index_add dim 1",
         .fn =
             [](const TL& x, Device d) {
                 return index_add(x[0], 1, ix({3, 0, 3, 3}, {4}, d), x[1]).square();
             },
         .shapes = {{3, 5}, {3, 4}}},
        {.name = "one_hot",
         .fn = [](const TL& x, Device) { return one_hot(argmax(x[0], 1), 9); },
         .shapes = {{6, 7}},
         .backward = false},
        // ---- nn functional ----
        {.name = "linear",
         .fn = [](const TL& x, Device) { return F::linear(x[0], x[1], x[2]); },
         .shapes = {{4, 5}, {3, 5}, {3}}},
        {.name = "linear no bias",
         .fn = [](const TL& x, Device) { return F::linear(x[0], x[1]); },
         .shapes = {{3, 4}, {2, 4}}},
        {.name = "mse_loss",
         .fn = [](const TL& x, Device) { return F::mse_loss(x[0], x[1]); },
         .shapes = {{4, 5}, {4, 5}}},
        {.name = "binary_cross_entropy",
         .fn = [](const TL& x, Device) { return F::binary_cross_entropy(x[0], x[1]); },
         .shapes = {{4, 5}, {4, 5}},
         .lo = 0.05,
         .hi = 0.95},
        {.name = "bce with logits",
         .fn = [](const TL& x, Device) { return F::binary_cross_entropy_with_logits(x[0], x[1].sigmoid()); },
         .shapes = {{4, 5}, {4, 5}}},
        {.name = "cross_entropy",
         .fn =
             [](const TL& x, Device d) {
                 return F::cross_entropy(x[0], ix({0, 3, 6, 3, 1}, {5}, d));
             },
         .shapes = {{5, 7}}},
        {.name = "nll_loss sum",
         .fn =
             [](const TL& x, Device d) {
                 return F::nll_loss(x[0].log_softmax(1), ix({0, 3, 6, 3, 1}, {5}, d),
                                    nn::NLLLossOptions(nn::Reduction::Sum));
             },
         .shapes = {{5, 7}}},
        {.name = "l1_loss sum",
         .fn = [](const TL& x, Device) { return F::l1_loss(x[0], x[1], F::L1LossFuncOptions(kSum)); },
         .shapes = {{4, 5}, {4, 5}}},
        {.name = "smooth_l1_loss beta 0.5",
         .fn = [](const TL& x,
                  Device) { return F::smooth_l1_loss(x[0], x[1], F::SmoothL1LossFuncOptions().beta(0.5)); },
         .shapes = {{4, 5}, {4, 5}}},
        {.name = "huber_loss delta 0.7 none",
         .fn = [](const TL& x,
                  Device) { return F::huber_loss(x[0], x[1], F::HuberLossFuncOptions().reduction(kNone).delta(0.7)); },
         .shapes = {{4, 5}, {4, 5}}},
        {.name = "kl_div batchmean",
         .fn = [](const TL& x,
                  Device) { return F::kl_div(x[0].log_softmax(1), x[1].softmax(1), F::KLDivFuncOptions(kBatchMean)); },
         .shapes = {{4, 5}, {4, 5}}},
        {.name = "kl_div log_target mean",
         .fn =
             [](const TL& x, Device) {
                 return F::kl_div(x[0].log_softmax(1), x[1].log_softmax(1), F::KLDivFuncOptions().log_target(true));
             },
         .shapes = {{4, 5}, {4, 5}}},
        {.name = "cross_entropy label_smoothing, weight, ignore_index",
         .fn =
             [](const TL& x, Device d) {
                 return F::cross_entropy(
                     x[0], ix({0, -1, 6, 3, 1}, {5}, d),
                     F::CrossEntropyFuncOptions().weight(x[1].square() + 0.5).ignore_index(-1).label_smoothing(0.2));
             },
         .shapes = {{5, 7}, {7}}},
        {.name = "cross_entropy probabilities, label_smoothing",
         .fn =
             [](const TL& x, Device) {
                 return F::cross_entropy(x[0], x[1].softmax(1), F::CrossEntropyFuncOptions().label_smoothing(0.1));
             },
         .shapes = {{5, 7}, {5, 7}}},
        {.name = "dropout",
         .fn =
             [](const TL& x, Device) {
                 manual_seed(24);  // the same Philox stream on both devices, and at every call of gradcheck
                 return F::dropout(x[0], 0.3);
             },
         .shapes = {{5, 7}}},
        // ---- composites: several ops sharing an input ----
        {.name = "mlp",
         .fn = [](const TL& x, Device) { return x[0].mm(x[1]).add(x[2]).tanh().mm(x[1].t()).sum({1}); },
         .shapes = {{2, 3}, {3, 3}, {3}},
         .lo = -1,
         .hi = 1},
        {.name = "free energy",
         .fn = [](const TL& x, Device) { return -(x[0].mm(x[1]) + x[2]).softplus().sum({1}) - x[0].sum({1}); },
         .shapes = {{2, 3}, {3, 2}, {2}},
         .lo = -1,
         .hi = 1},
    };
}

}  // namespace op_registry
