// RBM, DBN and autoencoder against brute-force enumeration and closed forms.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "core_test_util.h"
#include "ember/ember.h"
#include "ember/nn/dbn.h"
#include "ember/nn/rbm.h"
#include "rbm_test_util.h"

using namespace ember;

namespace {

// Every binary vector of length n as rows of a float64 [2^n, n] tensor.
Tensor all_binary(int64_t n) {
    std::vector<double> v;
    for (int64_t r = 0; r < (int64_t{1} << n); ++r)
        for (int64_t i = 0; i < n; ++i) v.push_back(static_cast<double>((r >> i) & 1));
    return tensor(v, dtype(kFloat64)).view({int64_t{1} << n, n});
}

// E(v, h) for a Bernoulli RBM, computed element by element from the raw parameters.
double energy(const nn::RBMImpl& rbm, const std::vector<double>& v, const std::vector<double>& h) {
    auto W = rbm.weight.to_vector<double>(), b = rbm.visible_bias.to_vector<double>(),
         c = rbm.hidden_bias.to_vector<double>();
    const std::size_t nv = v.size(), nh = h.size();
    double e = 0;
    for (std::size_t i = 0; i < nv; ++i) e -= b[i] * v[i];
    for (std::size_t j = 0; j < nh; ++j) {
        e -= c[j] * h[j];
        for (std::size_t i = 0; i < nv; ++i) e -= h[j] * W[j * nv + i] * v[i];
    }
    return e;
}

std::vector<double> bits(int64_t r, int64_t n) {
    std::vector<double> out;
    for (int64_t i = 0; i < n; ++i) out.push_back(static_cast<double>((r >> i) & 1));
    return out;
}

using rbm_test::random_rbm;

}  // namespace

TEST_CASE("RBM free energy, conditionals and log Z match brute-force enumeration", "[rbm]") {
    manual_seed(3);
    const int64_t nv = 5, nh = 4;
    nn::RBM rbm = random_rbm(nv, nh);
    Tensor V = all_binary(nv);
    Tensor F = rbm->free_energy(V);
    Tensor P = rbm->hidden_probs(V);
    double z = 0;
    for (int64_t r = 0; r < (int64_t{1} << nv); ++r) {
        auto v = bits(r, nv);
        double zv = 0;
        std::vector<double> ph(static_cast<std::size_t>(nh), 0.0);
        for (int64_t s = 0; s < (int64_t{1} << nh); ++s) {
            auto h = bits(s, nh);
            double w = std::exp(-energy(*rbm, v, h));
            zv += w;
            for (int64_t j = 0; j < nh; ++j) ph[j] += w * h[j];
        }
        z += zv;
        CHECK(F[r].item<double>() == Approx(-std::log(zv)).epsilon(1e-12));
        for (int64_t j = 0; j < nh; ++j) CHECK(P[r][j].item<double>() == Approx(ph[j] / zv).epsilon(1e-12));
    }
    CHECK(nn::rbm_log_partition_exact(*rbm) == Approx(std::log(z)).epsilon(1e-12));
    // Enumerating the visible layer instead (when it is the smaller one) gives the same log Z.
    nn::RBM wide = random_rbm(3, 6);
    double zw = 0;
    for (int64_t r = 0; r < 8; ++r)
        for (int64_t s = 0; s < 64; ++s) zw += std::exp(-energy(*wide, bits(r, 3), bits(s, 6)));
    CHECK(nn::rbm_log_partition_exact(*wide) == Approx(std::log(zw)).epsilon(1e-12));
    // log-likelihood of data = mean(-F) - log Z, and the probabilities of all states sum to 1.
    double lz = nn::rbm_log_partition_exact(*rbm);
    double total = exp(-F - lz).sum().item<double>();
    CHECK(total == Approx(1.0).epsilon(1e-12));
}

TEST_CASE("Gaussian-visible RBM log Z matches numerical integration", "[rbm]") {
    manual_seed(4);
    nn::RBM rbm(1, 3, nn::VisibleUnits::Gaussian);
    rbm->to(kFloat64);
    {
        NoGradGuard g;
        rbm->weight.normal_(0, 1);
        rbm->visible_bias.fill_(0.3);
        rbm->hidden_bias.normal_(0, 1);
    }
    // Z = integral over v of exp(-F(v)), by the trapezoidal rule on a wide fine grid.
    Tensor v = linspace(-30, 30, 600001, dtype(kFloat64)).unsqueeze(1);
    Tensor f = rbm->free_energy(v);
    double dv = 60.0 / 600000;
    double z = exp(-f).sum().item<double>() * dv;
    CHECK(nn::rbm_log_partition_exact(*rbm) == Approx(std::log(z)).epsilon(1e-6));
}

TEST_CASE("the CD gradient of the free-energy loss equals the lecture's explicit update", "[rbm]") {
    manual_seed(5);
    nn::RBM rbm = random_rbm(12, 7, 0.3);
    Tensor v0 = bernoulli(full({9, 12}, 0.4, dtype(kFloat64)));
    Tensor vk = rbm->negative_samples(v0, 3, false);
    Tensor loss = rbm->contrastive_divergence_loss(v0, vk);
    loss.backward();
    auto u = rbm->explicit_update(v0, vk);
    CHECK(allclose(-rbm->weight.grad(), u.weight, 1e-10, 1e-12));
    CHECK(allclose(-rbm->visible_bias.grad(), u.visible_bias, 1e-10, 1e-12));
    CHECK(allclose(-rbm->hidden_bias.grad(), u.hidden_bias, 1e-10, 1e-12));
}

// fit() forms the CD statistics directly (four products per batch); here the same step is taken
// through autograd: negative_samples() and contrastive_divergence_loss().backward() with the same
// random numbers, then torch.optim.SGD's momentum rule by hand. Two epochs of one batch each, so
// the second step uses the momentum buffer. Every unit type, CD-1, CD-2 and PCD.
TEST_CASE("fit takes the autograd step of the CD loss, with SGD momentum and weight decay", "[rbm]") {
    // fit forms the CD statistics with the fused op rbm_cd_statistics for every unit type; here it is
    // held against negative_samples + contrastive_divergence_loss().backward() + the SGD rule, batch by
    // batch, in float64 (1e-10) and float32 (rounding only: 1e-4), with a short last batch. The PCD
    // case shares negative_samples with fit; tests/test_rbm_sampling.cpp checks the chains by hand.
    struct Case {
        nn::VisibleUnits visible;
        nn::HiddenUnits hidden;
        int64_t k;
        bool persistent;
        int64_t batch;
        ScalarType dtype;
    };
    const Case cases[] = {{nn::VisibleUnits::Bernoulli, nn::HiddenUnits::Bernoulli, 1, false, 12, kFloat64},
                          {nn::VisibleUnits::Bernoulli, nn::HiddenUnits::Bernoulli, 2, false, 12, kFloat64},
                          {nn::VisibleUnits::Bernoulli, nn::HiddenUnits::Bernoulli, 1, false, 5, kFloat64},
                          {nn::VisibleUnits::Bernoulli, nn::HiddenUnits::Bernoulli, 1, false, 5, kFloat32},
                          {nn::VisibleUnits::Bernoulli, nn::HiddenUnits::Bernoulli, 1, true, 12, kFloat64},
                          {nn::VisibleUnits::Gaussian, nn::HiddenUnits::Bernoulli, 1, false, 12, kFloat64},
                          {nn::VisibleUnits::Bernoulli, nn::HiddenUnits::Gaussian, 1, false, 12, kFloat64}};
    for (const Case& c : cases) {
        const int64_t n = 12, nv = 9, nh = 5;
        const bool f64 = c.dtype == kFloat64;
        const double eps = f64 ? 1e-10 : 1e-4, atol = f64 ? 1e-12 : 1e-6;
        INFO("k " << c.k << " persistent " << c.persistent << " batch " << c.batch << " dtype " << c.dtype);
        manual_seed(21);
        Tensor data = c.visible == nn::VisibleUnits::Gaussian ? randn({n, nv}, dtype(c.dtype))
                                                              : bernoulli(full({n, nv}, 0.4, dtype(c.dtype)));
        nn::RBM fitted(nn::RBMOptions(nv, nh).visible(c.visible).hidden(c.hidden));
        fitted->to(c.dtype);
        {
            NoGradGuard ng;
            fitted->weight.normal_(0, 0.3);
            fitted->hidden_bias.normal_(0, 0.2);
            fitted->visible_bias.normal_(0, 0.2);
        }
        nn::RBM manual(nn::RBMOptions(nv, nh).visible(c.visible).hidden(c.hidden));
        manual->to(c.dtype);
        {
            NoGradGuard ng;
            manual->weight.copy_(fitted->weight);
            manual->visible_bias.copy_(fitted->visible_bias);
            manual->hidden_bias.copy_(fitted->hidden_bias);
        }
        nn::RBMTrainOptions o;
        o.epochs = 2;
        o.batch_size = c.batch;
        o.k = c.k;
        o.persistent = c.persistent;
        o.lr = 0.05;
        o.momentum = 0.7;
        o.weight_decay = 0.01;
        o.init_visible_bias_from_data = false;
        o.progress = false;
        manual_seed(99);
        auto hist = fitted->fit(data, o);

        manual_seed(99);
        std::vector<Tensor> params = {manual->weight, manual->visible_bias, manual->hidden_bias}, velocity(3);
        for (int epoch = 0; epoch < 2; ++epoch) {
            Tensor perm = randperm(n, TensorOptions().dtype(kInt64));
            double err_sum = 0, gap_sum = 0;
            for (int64_t start = 0; start < n; start += c.batch) {
                const int64_t len = std::min(c.batch, n - start);
                Tensor v0 = data.index_select(0, perm.narrow(0, start, len));
                for (Tensor& p : params) p.set_grad(Tensor());
                {  // what fit() reports for this batch, from the model before its update
                    NoGradGuard ng;
                    Tensor d = v0 - manual->visible_probs(manual->hidden_probs(v0));
                    err_sum += (d * d).sum({1}).mean().item<double>() * static_cast<double>(len);
                }
                Tensor vk = manual->negative_samples(v0, c.k, c.persistent);
                Tensor loss = manual->contrastive_divergence_loss(v0, vk);
                loss.backward();
                gap_sum += loss.item<double>() * static_cast<double>(len);
                NoGradGuard ng;
                for (std::size_t i = 0; i < params.size(); ++i) {
                    Tensor g = i == 0 ? params[i].grad() + params[i] * 0.01 : params[i].grad();  // decay on W only
                    velocity[i] = velocity[i].defined() ? velocity[i] * 0.7 + g : g;
                    params[i].sub_(velocity[i] * 0.05);
                }
            }
            CHECK(hist[epoch].reconstruction_error == Approx(err_sum / n).epsilon(eps));
            CHECK(hist[epoch].free_energy_gap == Approx(gap_sum / n).epsilon(eps).margin(atol));
        }
        CHECK(allclose(fitted->weight, manual->weight, eps, atol));
        CHECK(allclose(fitted->visible_bias, manual->visible_bias, eps, atol));
        CHECK(allclose(fitted->hidden_bias, manual->hidden_bias, eps, atol));
    }
}

TEST_CASE("fit updates every parameter and the stopping rule stops", "[rbm]") {
    manual_seed(6);
    Tensor data = bernoulli(full({64, 10}, 0.3));
    nn::RBM rbm(10, 6);
    Tensor w0 = rbm->weight.clone(), c0 = rbm->hidden_bias.clone();
    nn::RBMTrainOptions o;
    o.epochs = 3;
    o.batch_size = 16;
    o.progress = false;
    o.sparsity_target = 0.1;
    auto hist = rbm->fit(data, o);
    CHECK(hist.size() == 3);
    CHECK((rbm->weight - w0).abs().min().item<double>() > 0);
    CHECK((rbm->hidden_bias - c0).abs().min().item<double>() > 0);
    // The visible bias starts at log(p / (1 - p)) of the pixel means and then moves.
    CHECK(rbm->visible_bias.abs().sum().item<double>() > 0);
    o.stop_reconstruction_error = 1e9;  // every epoch is below: stop after the first
    o.epochs = 50;
    CHECK(rbm->fit(data, o).size() == 1);
}

TEST_CASE("pseudo-likelihood: the exact sum matches conditionals by enumeration", "[rbm]") {
    manual_seed(8);
    nn::RBM rbm = random_rbm(4, 3);
    Tensor v = tensor({{1, 0, 1, 1}, {0, 0, 1, 0}}, dtype(kFloat64));
    // log p(v_i | v_-i) from the joint p(v) over the two values of v_i.
    double expected = 0;
    for (int64_t n = 0; n < 2; ++n) {
        for (int64_t i = 0; i < 4; ++i) {
            Tensor a = v.narrow(0, n, 1).clone(), b = a.clone();
            b.select(1, i).fill_(1 - a[0][i].item<double>());
            double fa = rbm->free_energy(a).item<double>(), fb = rbm->free_energy(b).item<double>();
            expected += -fa - std::log(std::exp(-fa) + std::exp(-fb));
        }
    }
    CHECK(rbm->pseudo_likelihood(v, true) == Approx(expected / 2).epsilon(1e-10));
}

TEST_CASE("the unrolled classifier reproduces the RBM hidden probabilities before fine-tuning", "[dbn]") {
    manual_seed(10);
    nn::DBN dbn(std::vector<int64_t>{8, 6, 5});
    Tensor x = rand({7, 8});
    nn::Sequential clf = dbn->to_classifier(3);
    Tensor h = clf->at<nn::SigmoidImpl>(3).forward(
        clf->at<nn::LinearImpl>(2).forward(clf->at<nn::SigmoidImpl>(1).forward(clf->at<nn::LinearImpl>(0).forward(x))));
    CHECK(allclose(h, dbn->transform(x), 1e-5, 1e-6));
    CHECK(clf(x).sizes() == IntArrayRef({7, 3}));
    // The autoencoder unrolled from the DBN encodes to the same top-layer probabilities.
    auto ae = nn::DeepAutoencoderImpl::from_dbn(*dbn);
    CHECK(allclose(ae->encode(x), dbn->transform(x), 1e-5, 1e-6));
    CHECK(ae->forward(x).sizes() == IntArrayRef({7, 8}));
}

TEST_CASE("DBN save and load round trip through safetensors", "[dbn][io]") {
    manual_seed(11);
    nn::DBN dbn(std::vector<int64_t>{6, 5, 3});
    std::string path = (std::filesystem::temp_directory_path() / "ember_test_dbn.safetensors").string();
    save(dbn, path);
    nn::DBN other(std::vector<int64_t>{6, 5, 3});
    CHECK_FALSE(allclose(other->rbms[1]->weight, dbn->rbms[1]->weight));
    load(other, path);
    for (std::size_t l = 0; l < 2; ++l) {
        CHECK(equal(other->rbms[l]->weight, dbn->rbms[l]->weight));
        CHECK(equal(other->rbms[l]->visible_bias, dbn->rbms[l]->visible_bias));
        CHECK(equal(other->rbms[l]->hidden_bias, dbn->rbms[l]->hidden_bias));
    }
    // A model of another shape refuses the file with an error naming the tensor.
    nn::DBN wrong(std::vector<int64_t>{6, 4, 3});
    core_test::require_throws_with<ShapeError>([&] { load(wrong, path); },
                                               {"load_state_dict", "\"rbm0.weight\"", "[5, 6]", "[4, 6]"});
    std::filesystem::remove(path);
}

TEST_CASE("Gaussian hidden units: free energy, log Z and CD gradient against closed forms", "[rbm]") {
    manual_seed(12);
    nn::RBM rbm(nn::RBMOptions(4, 1).hidden(nn::HiddenUnits::Gaussian));
    rbm->to(kFloat64);
    {
        NoGradGuard g;
        rbm->weight.normal_(0, 0.5);
        rbm->visible_bias.normal_(0, 0.5);
        rbm->hidden_bias.normal_(0, 0.5);
    }
    // p(v) by enumerating v and integrating the single hidden unit numerically:
    // E(v, h) = -b.v + (h - c)^2 / 2 - h W v.
    auto W = rbm->weight.to_vector<double>(), b = rbm->visible_bias.to_vector<double>();
    const double c = rbm->hidden_bias.item<double>();
    Tensor V = all_binary(4);
    std::vector<double> marginal;
    for (int64_t r = 0; r < 16; ++r) {
        auto v = bits(r, 4);
        double bv = 0, wv = 0;
        for (int i = 0; i < 4; ++i) {
            bv += b[i] * v[i];
            wv += W[i] * v[i];
        }
        double integral = 0, dh = 1e-3;
        for (double h = -30; h <= 30; h += dh) integral += std::exp(bv - (h - c) * (h - c) / 2 + h * wv) * dh;
        marginal.push_back(integral);
    }
    double z = 0;
    for (double m : marginal) z += m;
    CHECK(nn::rbm_log_partition_exact(*rbm) == Approx(std::log(z)).epsilon(1e-6));
    CHECK(nn::rbm_log_likelihood(*rbm, V.narrow(0, 5, 1), std::log(z)) ==
          Approx(std::log(marginal[5] / z)).epsilon(1e-6));
    // Differences of free energies are log-probability ratios.
    Tensor F = rbm->free_energy(V);
    CHECK((F[3] - F[9]).item<double>() == Approx(std::log(marginal[9] / marginal[3])).epsilon(1e-6));
    // The mean of p(h | v) is c + W v, and the CD gradient is still the explicit update.
    Tensor v0 = V.narrow(0, 0, 8), vk = rbm->negative_samples(v0, 2, false);
    rbm->contrastive_divergence_loss(v0, vk).backward();
    auto u = rbm->explicit_update(v0, vk);
    CHECK(allclose(-rbm->weight.grad(), u.weight, 1e-10, 1e-12));
    CHECK(allclose(-rbm->hidden_bias.grad(), u.hidden_bias, 1e-10, 1e-12));
    core_test::require_throws_with<NotImplementedError>([&] { (void)nn::rbm_log_partition_ais(*rbm); },
                                                        {"rbm_log_partition_ais", "Gaussian hidden units"});
}
