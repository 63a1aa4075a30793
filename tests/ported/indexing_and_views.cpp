// Indexing, views and assignment to views, written as a libtorch program (see CMakeLists.txt):
// every line it prints must be the same when it is built against ember.
#include <torch/torch.h>

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "show.h"

using namespace torch::indexing;

torch::Tensor longs(std::vector<int64_t> v) { return torch::tensor(v); }

int main() {
    // Factories infer the dtype from the values unless the options set one.
    std::cout << std::boolalpha << "dtypes " << (torch::tensor({1, 2}).dtype() == torch::kLong) << ' '
              << (torch::tensor({{1, 2}, {3, 4}}).dtype() == torch::kLong) << ' '
              << (torch::tensor({1.5, 2.0}).dtype() == torch::kFloat) << ' '
              << (torch::tensor({true, false}).dtype() == torch::kBool) << ' '
              << (torch::tensor(3).dtype() == torch::kLong) << ' ' << (torch::tensor(2.5).dtype() == torch::kFloat)
              << ' ' << (torch::tensor({1, 2}, torch::kDouble).dtype() == torch::kDouble) << ' '
              << torch::tensor(3).dim() << '\n';
    show("tensor({{1, 2}, {3, 4}})", torch::tensor({{1, 2}, {3, 4}}));

    auto x = torch::arange(24, torch::kDouble).view({2, 3, 4});
    show("x[1, :, -1]", x.index({1, Slice(), -1}));
    show("x[:, 1:, ::2]", x.index({Slice(), Slice(1, None), Slice(None, None, 2)}));
    show("x[..., 1]", x.index({"...", 1}));
    show("x[Ellipsis, 2]", x.index({Ellipsis, 2}));
    show("x[0, None, -3:-1]", x.index({0, None, Slice(-3, -1)}));
    show("x[0, -2:-5]", x.index({0, Slice(-2, -5)}));
    show("x[True, 1]", x.index({true, 1}));
    show("x[False]", x.index({false}));
    show("x[None, ..., None]", x.index({None, Ellipsis, None}));
    show("x[1:, 1:3:2, -3:]", x.index({Slice(1, None), Slice(1, 3, 2), Slice(-3, None)}));

    show("x[[1, 0, -1]]", x.index({longs({1, 0, -1})}));
    show("x[:, idx, 0]", x.index({Slice(), longs({2, 0, 1, 1}).view({2, 2}), 0}));
    show("x[:, [0, 2], [[1], [3]]]", x.index({Slice(), longs({0, 2}), longs({1, 3}).view({2, 1})}));
    show("x[[1, 0], :, [3, 2]]", x.index({longs({1, 0}), Slice(), longs({3, 2})}));
    show("x[..., [[0], [2]], None, [1, 3]]", x.index({Ellipsis, longs({0, 2}).view({2, 1}), None, longs({1, 3})}));
    show("x[x > 17]", x.index({x > 17}));
    auto m = torch::zeros({3, 4}, torch::kBool);
    m[0][1] = true;
    m[2][0] = true;
    m[2][3] = true;
    show("x[1, m]", x.index({1, m}));
    show("x[:, [True, False, True]]", x.index({Slice(), torch::tensor({1.0, 0.0, 1.0}).to(torch::kBool)}));

    // Assignment to a temporary writes into the view; to a named tensor it rebinds the handle.
    auto t = torch::zeros({2, 3});
    t[0] = torch::tensor({1.0, 2.0, 3.0});
    t[1][2] = 2.5;
    t.index({Slice(), 0}) = 7;
    t.index_put_({1, Slice(None, 2)}, torch::tensor({-1.5}));
    show("t", t);
    auto row = t[0];
    row = torch::ones({3});
    show("t after rebinding row", t);
    show("row", row);

    // index_put_ through tensor indices and masks.
    auto z = torch::zeros({4, 2}, torch::kDouble);
    z.index_put_({longs({3, 1})}, torch::tensor({{1.0, 2.0}, {3.0, 4.0}}, torch::kDouble));
    show("z", z);
    auto y = torch::arange(24, torch::kFloat).view({2, 3, 4});
    y.index_put_({y > 20}, 0);
    y.index_put_({Slice(), longs({0, 2}), 1}, torch::tensor({-1.0, -2.0}));
    show("y", y);
    auto w = torch::arange(24, torch::kDouble).view({2, 3, 4}).transpose(0, 2);
    w.index_put_({longs({0, 3}), Slice(), longs({1, 0})},
                 torch::tensor({{-1.0, -2.0, -3.0}, {-4.0, -5.0, -6.0}}, torch::kDouble));
    show("w", w);
    auto n = torch::arange(5);
    n.index_put_({longs({4, 0})}, 9);
    show("n", n);

    // Gradients through basic and tensor indices (row 2 is gathered twice).
    auto a = torch::arange(12, torch::kDouble).view({3, 4}).requires_grad_();
    auto loss = (a.index({longs({2, 0, 2}), Slice(1, None)}) * a.index({Slice(), 0}).sum()).sum();
    loss.backward();
    show("a.grad", a.grad());

    // No GPU on the machines that build both (libtorch-dev is CPU-only).
    std::cout << "cuda " << torch::cuda::is_available() << ' ' << torch::cuda::device_count() << '\n';

    // TORCH_CHECK throws with the message its parts make.
    try {
        TORCH_CHECK(x.dim() == 2, "expected a 2-D tensor, got ", x.dim(), " dims");
    } catch (const std::exception& e) {
        const std::string m = e.what();
        std::cout << "check: " << m.substr(0, m.find('\n')) << '\n';
    }
    return 0;
}
