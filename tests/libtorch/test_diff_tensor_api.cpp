// Differential tests of the sorting, scan, mask, split, repeat, reorder and padding ops against
// libtorch: random shapes and arguments, float64 data shared by both (distinct values, so sort and
// topk have no ties), values, indices and the gradients of a random weighted sum compared.
#include "diff_pairs.h"

namespace {

using difftest::differ;
using difftest::ETensor;
using difftest::leaf;
using difftest::Leaf;
using difftest::Rng;
using difftest::TTensor;
using difftest::values_of;

// One op in both frameworks on the leaves: the output compared, then (for a differentiable
// output) the leaves' gradients of sum(out * w) for random w.
template <typename FE, typename FT>
void check(const std::string& what, Rng& r, std::vector<Leaf>& leaves, FE fe, FT ft) {
    std::vector<ETensor> ei;
    std::vector<TTensor> ti;
    for (Leaf& l : leaves) {
        l.e.set_grad(ETensor());
        l.t.mutable_grad() = TTensor();
        ei.push_back(l.e);
        ti.push_back(l.t);
    }
    ETensor eo = fe(ei);
    TTensor to = ft(ti);
    const std::string d = differ(eo, to);
    CATCH_INFO(what);
    CATCH_CHECK(d == "");
    if (!d.empty() || !to.requires_grad()) return;
    std::vector<int64_t> s(to.sizes().begin(), to.sizes().end());
    std::vector<double> w = r.data(difftest::numel_of(s));
    ETensor we = ember::tensor(w, ember::dtype(ember::kFloat64)).reshape(s);
    TTensor wt = torch::from_blob(w.data(), s, at::kDouble).clone();
    (eo * we).sum().backward();
    (to * wt).sum().backward();
    for (std::size_t k = 0; k < leaves.size(); ++k) {
        if (!leaves[k].t.requires_grad()) continue;
        CATCH_INFO("gradient of input " << k);
        CATCH_CHECK(differ(leaves[k].e.grad(), leaves[k].t.grad()) == "");
    }
}

std::vector<int64_t> random_shape(Rng& r, int64_t rank) {
    std::vector<int64_t> s;
    for (int64_t i = 0; i < rank; ++i) s.push_back(r.i(1, 5));
    return s;
}

}  // namespace

CATCH_TEST_CASE("differential: sort, argsort, topk, cumsum, cumprod against libtorch", "[libtorch][tensor_api]") {
    torch::set_num_threads(1);
    for (uint64_t seed = 0; seed < 30; ++seed) {
        Rng r(seed);
        const int64_t rank = r.i(1, 3);
        std::vector<int64_t> s = random_shape(r, rank);
        const int64_t d = r.i(-rank, rank - 1), n = s[static_cast<std::size_t>(d < 0 ? d + rank : d)];
        const bool desc = r.p(0.5);
        const int64_t k = r.i(0, n);
        const std::string c = "seed " + std::to_string(seed) + " shape " + ember::shape_str(s) + " dim " +
                              std::to_string(d) + " desc " + std::to_string(desc) + " k " + std::to_string(k);
        std::vector<Leaf> L{leaf(r, s)};
        check(
            "sort values " + c, r, L, [&](const auto& x) { return std::get<0>(x[0].sort(d, desc)); },
            [&](const auto& x) { return std::get<0>(x[0].sort(d, desc)); });
        check(
            "sort indices " + c, r, L, [&](const auto& x) { return std::get<1>(ember::sort(x[0], true, d, desc)); },
            [&](const auto& x) { return std::get<1>(torch::sort(x[0], true, d, desc)); });
        check(
            "argsort " + c, r, L, [&](const auto& x) { return x[0].argsort(d, desc); },
            [&](const auto& x) { return x[0].argsort(d, desc); });
        check(
            "topk values " + c, r, L, [&](const auto& x) { return std::get<0>(x[0].topk(k, d, !desc)); },
            [&](const auto& x) { return std::get<0>(x[0].topk(k, d, !desc)); });
        check(
            "topk indices " + c, r, L, [&](const auto& x) { return std::get<1>(ember::topk(x[0], k, d, !desc)); },
            [&](const auto& x) { return std::get<1>(torch::topk(x[0], k, d, !desc)); });
        check(
            "cumsum " + c, r, L, [&](const auto& x) { return x[0].cumsum(d); },
            [&](const auto& x) { return x[0].cumsum(d); });
        check(
            "cumprod " + c, r, L, [&](const auto& x) { return ember::cumprod(x[0], d); },
            [&](const auto& x) { return torch::cumprod(x[0], d); });
    }
}

CATCH_TEST_CASE("differential: masked_fill, masked_select, nonzero against libtorch", "[libtorch][tensor_api]") {
    torch::set_num_threads(1);
    for (uint64_t seed = 0; seed < 30; ++seed) {
        Rng r(seed);
        const int64_t rank = r.i(1, 3);
        std::vector<int64_t> s = random_shape(r, rank);
        // a mask of a trailing part of the shape, some dims 1 (broadcast)
        std::vector<int64_t> ms(s.begin() + r.i(0, rank - 1), s.end());
        for (int64_t& v : ms)
            if (r.p(0.3)) v = 1;
        std::vector<double> bits = r.data(difftest::numel_of(ms));
        std::vector<int64_t> b;  // as int64, then compared with 0
        for (double v : bits) b.push_back(v > 0.2 ? 1 : 0);
        ETensor em = ember::tensor(b).reshape(ms) != 0.0;
        TTensor tm = torch::from_blob(b.data(), ms, at::kLong).clone() != 0;
        const double fill = r.data(1)[0];
        const std::string c =
            "seed " + std::to_string(seed) + " shape " + ember::shape_str(s) + " mask " + ember::shape_str(ms);
        std::vector<Leaf> L{leaf(r, s), leaf(r, {})};
        check(
            "masked_fill scalar " + c, r, L, [&](const auto& x) { return x[0].masked_fill(em, fill); },
            [&](const auto& x) { return x[0].masked_fill(tm, fill); });
        check(
            "masked_fill tensor " + c, r, L, [&](const auto& x) { return ember::masked_fill(x[0], em, x[1]); },
            [&](const auto& x) { return torch::masked_fill(x[0], tm, x[1]); });
        check(
            "masked_select " + c, r, L, [&](const auto& x) { return x[0].masked_select(em); },
            [&](const auto& x) { return x[0].masked_select(tm); });
        check(
            "nonzero " + c, r, L, [&](const auto& x) { return (x[0] > 0.0).nonzero(); },
            [&](const auto& x) { return (x[0] > 0).nonzero(); });
    }
}

CATCH_TEST_CASE("differential: chunk, split, tensor_split, repeat, flip, roll, pad against libtorch",
                "[libtorch][tensor_api]") {
    torch::set_num_threads(1);
    for (uint64_t seed = 0; seed < 30; ++seed) {
        Rng r(seed);
        const int64_t rank = r.i(2, 4);
        std::vector<int64_t> s = random_shape(r, rank);
        const int64_t d = r.i(0, rank - 1), n = s[static_cast<std::size_t>(d)];
        const int64_t chunks = r.i(1, 4), piece = r.i(1, 3), sections = r.i(1, 4);
        std::vector<int64_t> reps;
        for (int64_t i = 0; i < rank + r.i(0, 1); ++i) reps.push_back(r.i(1, 3));
        std::vector<int64_t> fd{d}, shifts{r.i(-7, 7)}, rd{d};
        if (r.p(0.5)) {
            fd.push_back((d + 1) % rank);
            shifts.push_back(r.i(-3, 3));
            rd.push_back((d + 1) % rank);
        }
        // padding of the last one or two dims, possibly cropping in constant mode
        const int64_t pdims = r.i(1, 2);
        std::vector<int64_t> cpad, ppad;
        for (int64_t i = 0; i < pdims; ++i) {
            const int64_t m = s[static_cast<std::size_t>(rank - 1 - i)];
            cpad.push_back(r.i(-(m - 1) / 2, 2));
            cpad.push_back(r.i(-(m - 1) / 2, 2));
            ppad.push_back(r.i(0, m - 1));
            ppad.push_back(r.i(0, m - 1));
        }
        const std::string c = "seed " + std::to_string(seed) + " shape " + ember::shape_str(s) + " dim " +
                              std::to_string(d) + " pad " + ember::shape_str(cpad) + " / " + ember::shape_str(ppad);
        std::vector<Leaf> L{leaf(r, s)};
        // Each list of pieces compared as their concatenation, after checking the count.
        auto join_e = [&](const std::vector<ETensor>& p) {
            std::vector<ETensor> f;
            for (const ETensor& t : p) f.push_back(t.reshape({-1}) * double(f.size() + 1));
            return ember::cat(f) + double(p.size()) * 100.0;
        };
        auto join_t = [&](const std::vector<TTensor>& p) {
            std::vector<TTensor> f;
            for (const TTensor& t : p) f.push_back(t.reshape({-1}) * double(f.size() + 1));
            return torch::cat(f) + double(p.size()) * 100.0;
        };
        check(
            "chunk " + c, r, L, [&](const auto& x) { return join_e(x[0].chunk(chunks, d)); },
            [&](const auto& x) { return join_t(x[0].chunk(chunks, d)); });
        check(
            "split " + c, r, L, [&](const auto& x) { return join_e(x[0].split(piece, d)); },
            [&](const auto& x) { return join_t(x[0].split(piece, d)); });
        check(
            "tensor_split " + c, r, L, [&](const auto& x) { return join_e(x[0].tensor_split(sections, d)); },
            [&](const auto& x) { return join_t(x[0].tensor_split(sections, d)); });
        std::vector<int64_t> idx{r.i(0, n), r.i(0, n + 1)};
        check(
            "tensor_split indices " + c, r, L,
            [&](const auto& x) { return join_e(x[0].tensor_split(ember::IntArrayRef(idx), d)); },
            [&](const auto& x) { return join_t(x[0].tensor_split(at::IntArrayRef(idx), d)); });
        check(
            "repeat " + c, r, L, [&](const auto& x) { return x[0].repeat(reps); },
            [&](const auto& x) { return x[0].repeat(reps); });
        check(
            "flip " + c, r, L, [&](const auto& x) { return x[0].flip(fd); },
            [&](const auto& x) { return x[0].flip(fd); });
        check(
            "roll " + c, r, L, [&](const auto& x) { return x[0].roll(shifts, rd); },
            [&](const auto& x) { return x[0].roll(shifts, rd); });
        check(
            "roll flat " + c, r, L, [&](const auto& x) { return ember::roll(x[0], {shifts[0]}); },
            [&](const auto& x) { return torch::roll(x[0], {shifts[0]}); });
        check(
            "constant_pad_nd " + c, r, L, [&](const auto& x) { return ember::constant_pad_nd(x[0], cpad, 0.25); },
            [&](const auto& x) { return torch::constant_pad_nd(x[0], cpad, 0.25); });
        namespace EF = ember::nn::functional;
        namespace TF = torch::nn::functional;
        // libtorch's reflect/replicate/circular pad want 1 or 2 unpadded leading dims (batch, channel)
        if (rank - pdims >= 1 && rank - pdims <= 2) {
            check(
                "pad reflect " + c, r, L,
                [&](const auto& x) { return EF::pad(x[0], EF::PadFuncOptions(ppad).mode(ember::kReflect)); },
                [&](const auto& x) { return TF::pad(x[0], TF::PadFuncOptions(ppad).mode(torch::kReflect)); });
            check(
                "pad replicate " + c, r, L,
                [&](const auto& x) { return EF::pad(x[0], EF::PadFuncOptions(ppad).mode(ember::kReplicate)); },
                [&](const auto& x) { return TF::pad(x[0], TF::PadFuncOptions(ppad).mode(torch::kReplicate)); });
            if (rank - pdims == 2)  // circular: libtorch wants batch and channel dims
                check(
                    "pad circular " + c, r, L,
                    [&](const auto& x) { return EF::pad(x[0], EF::PadFuncOptions(ppad).mode(ember::kCircular)); },
                    [&](const auto& x) { return TF::pad(x[0], TF::PadFuncOptions(ppad).mode(torch::kCircular)); });
        }
        check(
            "norm p=3 " + c, r, L, [&](const auto& x) { return x[0].norm(3, {d}, true); },
            [&](const auto& x) { return x[0].norm(3, {d}, true); });
    }
}

CATCH_TEST_CASE("differential: Scalar item(), any/all, new_full, to(other) against libtorch",
                "[libtorch][tensor_api]") {
    ETensor e = ember::tensor({1.5, 0.0, -2.0}, ember::kFloat64);
    TTensor t = torch::tensor({1.5, 0.0, -2.0}, at::kDouble);
    CATCH_CHECK(e.sum().item().toDouble() == t.sum().item().toDouble());
    CATCH_CHECK(e.sum().item().isFloatingPoint() == t.sum().item().isFloatingPoint());
    CATCH_CHECK(e.argmax().item().toLong() == t.argmax().item().toLong());
    CATCH_CHECK(e.argmax().item().isIntegral(false) == t.argmax().item().isIntegral(false));
    CATCH_CHECK(e.any().item().toBool() == t.any().item().toBool());
    CATCH_CHECK(e.all().item().toBool() == t.all().item().toBool());
    CATCH_CHECK(e.any().dtype() == ember::kBool);
    CATCH_CHECK(differ(e.new_full({2}, 7), t.new_full({2}, 7)) == "");
    CATCH_CHECK(differ(ember::tensor({1, 2}).to(e), torch::tensor({1, 2}).to(t)) == "");
}
