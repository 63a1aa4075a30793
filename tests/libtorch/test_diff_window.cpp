// Differential tests of the sliding-window and normalisation ops against libtorch (which runs
// them through its own native kernels or oneDNN): random shapes and hyper-parameters, float64
// data shared by both, values and the gradients of a random weighted sum compared.
#include "diff_pairs.h"

namespace {

using difftest::differ;
using difftest::ETensor;
using difftest::leaf;
using difftest::Leaf;
using difftest::Rng;
using difftest::TTensor;
using difftest::values_of;

// Runs one op in both frameworks on the leaves, compares the output, then the leaves' gradients
// of sum(out * w) for random w.
template <typename FE, typename FT>
void check(const std::string& what, Rng& r, std::vector<Leaf>& leaves, FE fe, FT ft, bool gradients = true) {
    std::vector<ETensor> ei;
    std::vector<TTensor> ti;
    for (Leaf& l : leaves) {
        ei.push_back(l.e);
        ti.push_back(l.t);
    }
    ETensor eo = fe(ei);
    TTensor to = ft(ti);
    const std::string d = differ(eo, to);
    CATCH_INFO(what);
    CATCH_CHECK(d == "");
    if (!d.empty() || !to.requires_grad() || !gradients) return;
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

std::string cfg(std::initializer_list<std::pair<const char*, int64_t>> kv) {
    std::ostringstream o;
    for (const auto& [k, v] : kv) o << k << "=" << v << " ";
    return o.str();
}

}  // namespace

CATCH_TEST_CASE("differential: conv1d/conv2d/conv_transpose2d against libtorch, random hyper-parameters",
                "[libtorch][conv]") {
    torch::set_num_threads(1);
    for (uint64_t seed = 0; seed < 40; ++seed) {
        Rng r(seed);
        const int64_t g = r.i(1, 3), cin = g * r.i(1, 2), cout = g * r.i(1, 3), n = r.i(1, 3);
        const int64_t kh = r.i(1, 4), kw = r.i(1, 4), sh = r.i(1, 3), sw = r.i(1, 2), ph = r.i(0, 2), pw = r.i(0, 1);
        const int64_t dh = r.i(1, 2), dw = r.i(1, 2);
        const int64_t h = std::max<int64_t>(1, dh * (kh - 1) + 1 - 2 * ph + r.i(0, 4));
        const int64_t w = std::max<int64_t>(1, dw * (kw - 1) + 1 - 2 * pw + r.i(0, 4));
        const bool bias = r.p(0.6);
        const std::string c = cfg({{"seed", int64_t(seed)},
                                   {"groups", g},
                                   {"cin", cin},
                                   {"cout", cout},
                                   {"kh", kh},
                                   {"kw", kw},
                                   {"sh", sh},
                                   {"sw", sw},
                                   {"ph", ph},
                                   {"pw", pw},
                                   {"dh", dh},
                                   {"dw", dw},
                                   {"h", h},
                                   {"w", w},
                                   {"bias", bias}});
        {
            std::vector<Leaf> L{leaf(r, {n, cin, h, w}), leaf(r, {cout, cin / g, kh, kw}), leaf(r, {cout}, bias)};
            check(
                "conv2d " + c, r, L,
                [&](const std::vector<ETensor>& x) {
                    return ember::conv2d(x[0], x[1], bias ? x[2] : ETensor(), {sh, sw}, {ph, pw}, {dh, dw}, g);
                },
                [&](const std::vector<TTensor>& x) {
                    return torch::conv2d(x[0], x[1], bias ? x[2] : TTensor(), {sh, sw}, {ph, pw}, {dh, dw}, g);
                });
        }
        {
            std::vector<Leaf> L{leaf(r, {n, cin, w}), leaf(r, {cout, cin / g, kw})};
            check(
                "conv1d " + c, r, L,
                [&](const std::vector<ETensor>& x) { return ember::conv1d(x[0], x[1], {}, sw, pw, dw, g); },
                [&](const std::vector<TTensor>& x) { return torch::conv1d(x[0], x[1], {}, sw, pw, dw, g); });
        }
        {
            // Transposed: weight [cin, cout / g, kh, kw]; output_padding below the stride or dilation.
            const int64_t oph = r.i(0, std::max(sh, dh) - 1), opw = r.i(0, std::max(sw, dw) - 1);
            const int64_t hi = r.i(1, 4), wi = r.i(1, 4);
            const int64_t tph = std::min(ph, (hi - 1) * sh + dh * (kh - 1) + oph) / 2;  // keep the output non-empty
            const int64_t tpw = std::min(pw, (wi - 1) * sw + dw * (kw - 1) + opw) / 2;
            std::vector<Leaf> L{leaf(r, {n, cin, hi, wi}), leaf(r, {cin, cout / g, kh, kw}), leaf(r, {cout}, bias)};
            check(
                "conv_transpose2d " + c + cfg({{"oph", oph}, {"opw", opw}, {"hi", hi}, {"wi", wi}}), r, L,
                [&](const std::vector<ETensor>& x) {
                    return ember::conv_transpose2d(x[0], x[1], bias ? x[2] : ETensor(), {sh, sw}, {tph, tpw},
                                                   {oph, opw}, g, {dh, dw});
                },
                [&](const std::vector<TTensor>& x) {
                    return torch::conv_transpose2d(x[0], x[1], bias ? x[2] : TTensor(), {sh, sw}, {tph, tpw},
                                                   {oph, opw}, g, {dh, dw});
                });
        }
    }
}

CATCH_TEST_CASE("differential: max/avg/adaptive pooling against libtorch, random hyper-parameters",
                "[libtorch][pool]") {
    torch::set_num_threads(1);
    for (uint64_t seed = 100; seed < 140; ++seed) {
        Rng r(seed);
        const int64_t n = r.i(1, 2), c = r.i(1, 3), kh = r.i(1, 4), kw = r.i(1, 3), sh = r.i(1, 3), sw = r.i(1, 3);
        const int64_t ph = r.i(0, kh / 2), pw = r.i(0, kw / 2), dh = r.i(1, 2), dw = r.i(1, 2);
        const int64_t h = dh * (kh - 1) + 1 + r.i(0, 6), w = dw * (kw - 1) + 1 + r.i(0, 6);
        const bool ceil_mode = r.p(0.5), include_pad = r.p(0.5);
        const std::string cf = cfg({{"seed", int64_t(seed)},
                                    {"kh", kh},
                                    {"kw", kw},
                                    {"sh", sh},
                                    {"sw", sw},
                                    {"ph", ph},
                                    {"pw", pw},
                                    {"dh", dh},
                                    {"dw", dw},
                                    {"h", h},
                                    {"w", w},
                                    {"ceil", ceil_mode},
                                    {"include_pad", include_pad}});
        {
            std::vector<Leaf> L{leaf(r, {n, c, h, w})};
            check(
                "max_pool2d " + cf, r, L,
                [&](const std::vector<ETensor>& x) {
                    return ember::max_pool2d(x[0], {kh, kw}, {sh, sw}, {ph, pw}, {dh, dw}, ceil_mode);
                },
                [&](const std::vector<TTensor>& x) {
                    return torch::max_pool2d(x[0], {kh, kw}, {sh, sw}, {ph, pw}, {dh, dw}, ceil_mode);
                });
            auto ei =
                std::get<1>(ember::max_pool2d_with_indices(L[0].e, {kh, kw}, {sh, sw}, {ph, pw}, {dh, dw}, ceil_mode));
            auto ti =
                std::get<1>(torch::max_pool2d_with_indices(L[0].t, {kh, kw}, {sh, sw}, {ph, pw}, {dh, dw}, ceil_mode));
            CATCH_INFO("max_pool2d indices " << cf);
            CATCH_CHECK(differ(ei, ti) == "");
        }
        {
            const int64_t ah = kh, aw = kw, aph = r.i(0, ah / 2), apw = r.i(0, aw / 2);
            const int64_t hh = ah + r.i(0, 5), ww = aw + r.i(0, 5);
            const std::optional<int64_t> div = r.p(0.25) ? std::optional<int64_t>(r.i(1, 5)) : std::nullopt;
            std::vector<Leaf> L{leaf(r, {n, c, hh, ww})};
            check(
                "avg_pool2d " + cf + cfg({{"h", hh}, {"w", ww}, {"div", div.value_or(0)}}), r, L,
                [&](const std::vector<ETensor>& x) {
                    return ember::avg_pool2d(x[0], {ah, aw}, {sh, sw}, {aph, apw}, ceil_mode, include_pad, div);
                },
                [&](const std::vector<TTensor>& x) {
                    return torch::avg_pool2d(x[0], {ah, aw}, {sh, sw}, {aph, apw}, ceil_mode, include_pad,
                                             div ? c10::optional<int64_t>(*div) : c10::nullopt);
                });
        }
        {
            const int64_t oh = r.i(1, h), ow = r.i(1, w);
            std::vector<Leaf> L{leaf(r, {n, c, h, w})};
            check(
                "adaptive_avg_pool2d " + cf + cfg({{"oh", oh}, {"ow", ow}}), r, L,
                [&](const std::vector<ETensor>& x) {
                    return ember::adaptive_avg_pool2d(x[0], {oh, ow});
                },
                [&](const std::vector<TTensor>& x) {
                    return torch::adaptive_avg_pool2d(x[0], {oh, ow});
                });
        }
    }
}

CATCH_TEST_CASE("differential: batch/layer/group norm and embedding against libtorch", "[libtorch][norm]") {
    torch::set_num_threads(1);
    for (uint64_t seed = 200; seed < 230; ++seed) {
        Rng r(seed);
        const int64_t n = r.i(2, 4), g = r.i(1, 3), c = g * r.i(1, 3), h = r.i(1, 4), w = r.i(1, 3);
        const std::string cf = cfg({{"seed", int64_t(seed)}, {"n", n}, {"c", c}, {"g", g}, {"h", h}, {"w", w}});
        const bool training = r.p(0.5);
        {
            std::vector<Leaf> L{leaf(r, {n, c, h, w}), leaf(r, {c}), leaf(r, {c})};
            // Running statistics (no grad) in both, updated by a training call: compared after.
            std::vector<double> rm = r.data(c), rv = r.data(c);
            for (double& v : rv) v = v * v + 0.5;
            ETensor erm = ember::tensor(rm, ember::dtype(ember::kFloat64)),
                    erv = ember::tensor(rv, ember::dtype(ember::kFloat64));
            TTensor trm = torch::tensor(rm, at::kDouble), trv = torch::tensor(rv, at::kDouble);
            check(
                std::string("batch_norm ") + (training ? "train " : "eval ") + cf, r, L,
                [&](const std::vector<ETensor>& x) {
                    return ember::batch_norm(x[0], x[1], x[2], erm, erv, training, 0.3, 1e-5);
                },
                [&](const std::vector<TTensor>& x) {
                    return torch::batch_norm(x[0], x[1], x[2], trm, trv, training, 0.3, 1e-5, false);
                });
            CATCH_INFO("running statistics after batch_norm " << cf);
            CATCH_CHECK(differ(erm, trm) == "");
            CATCH_CHECK(differ(erv, trv) == "");
        }
        {
            std::vector<Leaf> L{leaf(r, {n, c, h, w}), leaf(r, {h, w}), leaf(r, {h, w})};
            check(
                "layer_norm " + cf, r, L,
                [&](const std::vector<ETensor>& x) {
                    return ember::layer_norm(x[0], {h, w}, x[1], x[2]);
                },
                [&](const std::vector<TTensor>& x) {
                    return torch::layer_norm(x[0], {h, w}, x[1], x[2]);
                });
        }
        {
            std::vector<Leaf> L{leaf(r, {n, c, h, w}), leaf(r, {c}), leaf(r, {c})};
            check(
                "group_norm " + cf, r, L,
                [&](const std::vector<ETensor>& x) { return ember::group_norm(x[0], g, x[1], x[2]); },
                [&](const std::vector<TTensor>& x) { return torch::group_norm(x[0], g, x[1], x[2]); });
        }
        {
            const int64_t num = r.i(2, 6), dim = r.i(1, 4), pad = r.p(0.5) ? r.i(0, num - 1) : -1;
            std::vector<int64_t> idx;
            for (int64_t k = 0; k < n * 3; ++k) idx.push_back(r.i(0, num - 1));
            std::vector<Leaf> L{leaf(r, {num, dim})};
            check(
                "embedding " + cf + cfg({{"num", num}, {"dim", dim}, {"padding_idx", pad}}), r, L,
                [&](const std::vector<ETensor>& x) {
                    return ember::embedding(x[0], ember::tensor(idx).view({n, 3}), pad);
                },
                [&](const std::vector<TTensor>& x) {
                    return torch::embedding(x[0], torch::tensor(idx).view({n, 3}), pad);
                });
        }
    }
}

CATCH_TEST_CASE("differential: BatchNorm2d modules train three steps and evaluate as libtorch's", "[libtorch][norm]") {
    torch::set_num_threads(1);
    for (bool cumulative : {false, true}) {
        ember::nn::BatchNorm2d eb(
            ember::nn::BatchNorm2dOptions(3).momentum(cumulative ? std::nullopt : std::optional<double>(0.2)));
        torch::nn::BatchNorm2d tb(
            torch::nn::BatchNorm2dOptions(3).momentum(cumulative ? c10::nullopt : c10::optional<double>(0.2)));
        eb->to(ember::kFloat64);
        tb->to(at::kDouble);
        Rng r(7);
        for (int step = 0; step < 4; ++step) {
            const bool train = step < 3;
            eb->train(train);
            tb->train(train);
            std::vector<Leaf> L{leaf(r, {4, 3, 2, 3})};
            check(
                std::string("BatchNorm2d step ") + std::to_string(step) + (cumulative ? " cumulative" : ""), r, L,
                [&](const std::vector<ETensor>& x) { return eb(x[0]); },
                [&](const std::vector<TTensor>& x) { return tb(x[0]); });
        }
        CATCH_CHECK(differ(eb->running_mean, tb->running_mean) == "");
        CATCH_CHECK(differ(eb->running_var, tb->running_var) == "");
        CATCH_CHECK(eb->num_batches_tracked.item<int64_t>() == tb->num_batches_tracked.item<int64_t>());
        CATCH_CHECK(differ(eb->weight.grad(), tb->weight.grad()) == "");
    }
}

CATCH_TEST_CASE("differential: interpolate (nearest, nearest-exact, linear, bilinear, area) against libtorch",
                "[libtorch][upsample]") {
    torch::set_num_threads(1);
    namespace EF = ember::nn::functional;
    namespace TF = torch::nn::functional;
    for (uint64_t seed = 300; seed < 380; ++seed) {
        Rng r(seed);
        // c >= 2: a [N, 1, H, W] input takes libtorch's channels-last nearest kernel, whose index
        // shortcuts differ from its NCHW kernel's (docs/decisions.md)
        const int64_t spatial = r.i(1, 2), n = r.i(1, 2), c = r.i(2, 3);
        const int64_t mode = r.i(0, 3);  // nearest, nearest-exact, (bi)linear, area
        const bool align = r.p(0.5), by_scale = r.p(0.5), recompute = r.p(0.3);
        std::vector<int64_t> in_shape{n, c}, size;
        std::vector<double> scale;
        for (int64_t d = 0; d < spatial; ++d) {
            const int64_t in = r.i(1, 7);
            in_shape.push_back(in);
            if (by_scale) {
                // scales from 0.5 to 3.5 in steps of 0.25, and a few irregular ones
                double s = 0.5 + 0.25 * static_cast<double>(r.i(0, 12));
                if (r.p(0.3)) s = 0.37 + 2.9 * std::uniform_real_distribution<double>(0, 1)(r.g);
                if (std::floor(static_cast<double>(in) * s) < 1) s = 1.0;
                scale.push_back(s);
            } else {
                size.push_back(r.i(1, 13));
            }
        }
        std::ostringstream what;
        what << "interpolate seed=" << seed << " input " << ember::shape_str(in_shape) << " mode=" << mode
             << " align=" << align << " recompute=" << recompute << " size=" << ember::shape_str(size) << " scale=";
        for (double s : scale) what << s << ",";
        EF::InterpolateFuncOptions eo;
        TF::InterpolateFuncOptions to;
        if (by_scale) {
            eo.scale_factor(scale).recompute_scale_factor(recompute);
            to.scale_factor(scale).recompute_scale_factor(recompute);
        } else {
            eo.size(size);
            to.size(size);
        }
        if (mode == 0) {
            eo.mode(ember::kNearest);
            to.mode(torch::kNearest);
        } else if (mode == 1) {
            eo.mode(ember::kNearestExact);
            to.mode(torch::kNearestExact);
        } else if (mode == 2) {
            if (spatial == 1) {
                eo.mode(ember::kLinear);
                to.mode(torch::kLinear);
            } else {
                eo.mode(ember::kBilinear);
                to.mode(torch::kBilinear);
            }
            eo.align_corners(align);
            to.align_corners(align);
        } else {
            eo.mode(ember::kArea);
            to.mode(torch::kArea);
        }
        // libtorch 1.13's nearest backward indexes with the shortcuts (out = in: copy, out = 2 in:
        // halve) that its NCHW forward does not take, so where a scale factor disagrees with them
        // its gradient is not the adjoint of its forward; ember's is. Values only there.
        bool shortcut = false;
        if (mode == 0 && by_scale && !recompute)
            for (int64_t d = 0; d < spatial; ++d) {
                const int64_t in = in_shape[static_cast<std::size_t>(2 + d)];
                const int64_t out =
                    static_cast<int64_t>(std::floor(static_cast<double>(in) * scale[static_cast<std::size_t>(d)]));
                shortcut = shortcut || out == in || out == 2 * in;
            }
        std::vector<Leaf> L{leaf(r, in_shape)};
        check(
            what.str(), r, L, [&](const std::vector<ETensor>& x) { return EF::interpolate(x[0], eo); },
            [&](const std::vector<TTensor>& x) { return TF::interpolate(x[0], to); }, !shortcut);
    }
}

CATCH_TEST_CASE("differential: nn::Upsample modules against libtorch's", "[libtorch][upsample]") {
    torch::set_num_threads(1);
    Rng r(17);
    ember::nn::Upsample e1(ember::nn::UpsampleOptions().scale_factor(std::vector<double>{2, 2}));
    torch::nn::Upsample t1(torch::nn::UpsampleOptions().scale_factor(std::vector<double>{2, 2}));
    ember::nn::Upsample e2(
        ember::nn::UpsampleOptions().size(std::vector<int64_t>{7, 3}).mode(ember::kBilinear).align_corners(true));
    torch::nn::Upsample t2(
        torch::nn::UpsampleOptions().size(std::vector<int64_t>{7, 3}).mode(torch::kBilinear).align_corners(true));
    std::vector<Leaf> L{leaf(r, {2, 3, 4, 5})};
    check(
        "Upsample nearest x2", r, L, [&](const std::vector<ETensor>& x) { return e1(x[0]); },
        [&](const std::vector<TTensor>& x) { return t1(x[0]); });
    std::vector<Leaf> M{leaf(r, {2, 3, 4, 5})};
    check(
        "Upsample bilinear align_corners to 7x3", r, M, [&](const std::vector<ETensor>& x) { return e2(x[0]); },
        [&](const std::vector<TTensor>& x) { return t2(x[0]); });
}

CATCH_TEST_CASE("differential: adaptive max pooling, max_pool1d_with_indices and instance_norm against libtorch",
                "[libtorch][pool][norm]") {
    torch::set_num_threads(1);
    for (uint64_t seed = 400; seed < 440; ++seed) {
        Rng r(seed);
        const int64_t n = r.i(1, 3), c = r.i(1, 3), h = r.i(1, 8), w = r.i(1, 9);
        const int64_t oh = r.i(1, h + 2), ow = r.i(1, w + 2);
        const std::string cf =
            cfg({{"seed", int64_t(seed)}, {"n", n}, {"c", c}, {"h", h}, {"w", w}, {"oh", oh}, {"ow", ow}});
        {
            std::vector<Leaf> L{leaf(r, {n, c, h, w})};
            check(
                "adaptive_max_pool2d " + cf, r, L,
                [&](const std::vector<ETensor>& x) {
                    return std::get<0>(ember::adaptive_max_pool2d(x[0], {oh, ow}));
                },
                [&](const std::vector<TTensor>& x) {
                    return std::get<0>(torch::adaptive_max_pool2d(x[0], {oh, ow}));
                });
            CATCH_INFO("adaptive_max_pool2d indices " << cf);
            CATCH_CHECK(differ(std::get<1>(ember::adaptive_max_pool2d(L[0].e, {oh, ow})),
                               std::get<1>(torch::adaptive_max_pool2d(L[0].t, {oh, ow}))) == "");
        }
        {
            std::vector<Leaf> L{leaf(r, {n, c, w})};
            check(
                "adaptive_max_pool1d " + cf, r, L,
                [&](const std::vector<ETensor>& x) { return std::get<0>(ember::adaptive_max_pool1d(x[0], {ow})); },
                [&](const std::vector<TTensor>& x) { return std::get<0>(torch::adaptive_max_pool1d(x[0], {ow})); });
        }
        {
            const int64_t k = r.i(1, 3), s = r.i(1, 2), p = r.i(0, k / 2);
            const int64_t len = k + r.i(0, 6);
            std::vector<Leaf> L{leaf(r, {n, c, len})};
            auto ei = ember::max_pool1d_with_indices(L[0].e, k, s, p);
            auto ti = torch::max_pool1d_with_indices(L[0].t, k, s, p);
            CATCH_INFO("max_pool1d_with_indices " << cf << cfg({{"k", k}, {"s", s}, {"p", p}, {"len", len}}));
            CATCH_CHECK(differ(std::get<0>(ei), std::get<0>(ti)) == "");
            CATCH_CHECK(differ(std::get<1>(ei), std::get<1>(ti)) == "");
        }
        if (h * w > 1) {
            const bool use_input_stats = r.p(0.7), affine = r.p(0.5), running = r.p(0.6) || !use_input_stats;
            std::vector<Leaf> L{leaf(r, {n, c, h, w}), leaf(r, {c}, affine), leaf(r, {c}, affine)};
            std::vector<double> rm = r.data(c), rv = r.data(c);
            for (double& v : rv) v = v * v + 0.5;
            ETensor erm = ember::tensor(rm, ember::dtype(ember::kFloat64)),
                    erv = ember::tensor(rv, ember::dtype(ember::kFloat64));
            TTensor trm = torch::tensor(rm, at::kDouble), trv = torch::tensor(rv, at::kDouble);
            check(
                "instance_norm " + cf +
                    cfg({{"use_input_stats", use_input_stats}, {"affine", affine}, {"running", running}}),
                r, L,
                [&](const std::vector<ETensor>& x) {
                    return ember::instance_norm(x[0], affine ? x[1] : ETensor(), affine ? x[2] : ETensor(),
                                                running ? erm : ETensor(), running ? erv : ETensor(), use_input_stats,
                                                0.3, 1e-5);
                },
                [&](const std::vector<TTensor>& x) {
                    return torch::instance_norm(x[0], affine ? x[1] : TTensor(), affine ? x[2] : TTensor(),
                                                running ? trm : TTensor(), running ? trv : TTensor(), use_input_stats,
                                                0.3, 1e-5, false);
                });
            CATCH_INFO("running statistics after instance_norm " << cf);
            CATCH_CHECK(differ(erm, trm) == "");
            CATCH_CHECK(differ(erv, trv) == "");
        }
    }
}

CATCH_TEST_CASE("differential: InstanceNorm1d/2d modules train and evaluate as libtorch's", "[libtorch][norm]") {
    torch::set_num_threads(1);
    ember::nn::InstanceNorm2d eb(ember::nn::InstanceNorm2dOptions(3).affine(true).track_running_stats(true));
    torch::nn::InstanceNorm2d tb(torch::nn::InstanceNorm2dOptions(3).affine(true).track_running_stats(true));
    eb->to(ember::kFloat64);
    tb->to(at::kDouble);
    Rng r(8);
    for (int step = 0; step < 4; ++step) {
        const bool train = step < 3;
        eb->train(train);
        tb->train(train);
        std::vector<Leaf> L{leaf(r, step == 1 ? std::vector<int64_t>{3, 2, 4} : std::vector<int64_t>{2, 3, 2, 4})};
        check(
            "InstanceNorm2d step " + std::to_string(step), r, L,
            [&](const std::vector<ETensor>& x) { return eb(x[0]); },
            [&](const std::vector<TTensor>& x) { return tb(x[0]); });
    }
    CATCH_CHECK(differ(eb->running_mean, tb->running_mean) == "");
    CATCH_CHECK(differ(eb->running_var, tb->running_var) == "");
    CATCH_CHECK(eb->num_batches_tracked.item<int64_t>() == tb->num_batches_tracked.item<int64_t>());
    CATCH_CHECK(differ(eb->weight.grad(), tb->weight.grad()) == "");
    ember::nn::InstanceNorm1d e1(2);
    torch::nn::InstanceNorm1d t1(2);
    std::vector<Leaf> L{leaf(r, {3, 2, 5})};
    check(
        "InstanceNorm1d", r, L, [&](const std::vector<ETensor>& x) { return e1(x[0]); },
        [&](const std::vector<TTensor>& x) { return t1(x[0]); });
}
