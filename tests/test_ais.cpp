// AIS estimates of log Z against exact enumeration, with a tolerance from the estimator's own
// spread: max(0.05, 3 log_z_std), as Salakhutdinov & Murray report log Z +- 3 std.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "ember/ember.h"
#include "ember/nn/rbm.h"
#include "rbm_test_util.h"

using namespace ember;

namespace {

using rbm_test::random_rbm;

nn::AISResult ais(const nn::RBMImpl& rbm, int64_t n_betas) {
    nn::AISOptions o;
    o.n_betas = n_betas;
    o.runs = 64;
    o.seed = 1;
    manual_seed(17);
    return nn::rbm_log_partition_ais(rbm, o);
}

double tolerance(const nn::AISResult& r) { return std::max(0.05, 3 * r.log_z_std); }

}  // namespace

TEST_CASE("AIS log Z lies within its own spread of the exact value, and a short schedule is worse", "[rbm][ais]") {
    struct Case {
        nn::VisibleUnits visible;
        int64_t nv, nh;
        double scale;
    };
    for (const Case& c :
         {Case{nn::VisibleUnits::Bernoulli, 20, 10, 0.5}, Case{nn::VisibleUnits::Gaussian, 6, 8, 0.3}}) {
        INFO("gaussian visible " << (c.visible == nn::VisibleUnits::Gaussian));
        manual_seed(7);
        nn::RBM rbm = random_rbm(c.nv, c.nh, c.scale, c.visible);
        const double exact = nn::rbm_log_partition_exact(*rbm);
        const nn::AISResult good = ais(*rbm, 3000);
        INFO("exact " << exact << " AIS " << good.log_z << " std " << good.log_z_std);
        CHECK(good.log_z_std > 0);
        CHECK(std::abs(good.log_z - exact) < tolerance(good));
        // Ten temperatures: the weights spread far more, or the estimate is off by more.
        const nn::AISResult short_run = ais(*rbm, 10);
        INFO("10 temperatures: AIS " << short_run.log_z << " std " << short_run.log_z_std);
        CHECK((short_run.log_z_std > 3 * good.log_z_std || std::abs(short_run.log_z - exact) > tolerance(good)));
    }
}
