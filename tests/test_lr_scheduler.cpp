// Schedulers with libtorch's interface: a user's subclass of LRScheduler overriding get_lrs(), as
// a libtorch program writes it, and ReduceLROnPlateauScheduler against schedules worked out by
// hand from PyTorch's algorithm.
#include "core_test_util.h"
#include "nn_test_util.h"

using namespace nn_test;
using core_test::require_throws_with;
using ember::Tensor;
namespace optim = ember::optim;

namespace {

Tensor param() { return ember::zeros({2}, ember::dtype(ember::kFloat64)).requires_grad_(); }

// Written as for libtorch: get_lrs() from get_current_lrs() and step_count_. Halves every group's
// rate on every third step and records the step counts it saw.
struct HalveEveryThird : optim::LRScheduler {
    explicit HalveEveryThird(optim::Optimizer& o) : LRScheduler(o) {}
    std::vector<unsigned> seen;
    std::vector<double> get_lrs() override {
        seen.push_back(step_count_);
        std::vector<double> lrs = get_current_lrs();
        if (step_count_ > 0 && step_count_ % 3 == 0)
            for (double& lr : lrs) lr *= 0.5;
        return lrs;
    }
};

// Returns one rate per group plus one: a mistake step() must refuse.
struct WrongCount : optim::LRScheduler {
    using LRScheduler::LRScheduler;
    std::vector<double> get_lrs() override {
        std::vector<double> lrs = get_current_lrs();
        lrs.push_back(1.0);
        return lrs;
    }
};

std::vector<double> lrs_after_steps(optim::ReduceLROnPlateauScheduler& s, optim::Optimizer& opt,
                                    const std::vector<double>& metrics) {
    std::vector<double> out;
    for (double m : metrics) {
        s.step(m);
        out.push_back(opt.lr());
    }
    return out;
}

}  // namespace

TEST_CASE("LRScheduler: a user's get_lrs() override sees libtorch's step counts", "[optim][scheduler]") {
    Tensor a = param(), b = param();
    std::vector<optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<Tensor>{a});
    groups.emplace_back(std::vector<Tensor>{b}, std::make_unique<optim::SGDOptions>(0.8));
    optim::SGD opt(groups, optim::SGDOptions(1.0));
    HalveEveryThird sched(opt);
    std::vector<std::vector<double>> lrs;
    for (int i = 0; i < 7; ++i) {
        sched.step();
        lrs.push_back(sched.get_last_lr());
    }
    // get_lrs() runs before the count moves: it sees 0, 1, ..., 6 and halves at 3 and 6.
    REQUIRE(sched.seen == std::vector<unsigned>{0, 1, 2, 3, 4, 5, 6});
    REQUIRE(lrs[2] == std::vector<double>{1.0, 0.8});
    REQUIRE(lrs[3] == std::vector<double>{0.5, 0.4});
    REQUIRE(lrs[5] == std::vector<double>{0.5, 0.4});
    REQUIRE(lrs[6] == std::vector<double>{0.25, 0.2});
    REQUIRE(sched.last_epoch() == 7);

    WrongCount wrong(opt);
    require_throws_with<ember::ValueError>([&] { wrong.step(); }, {"get_lrs", "3", "2 parameter groups"});
    REQUIRE(opt.lr() == 0.25);  // nothing changed
}

TEST_CASE("ReduceLROnPlateau: min mode, patience, threshold and cooldown", "[optim][scheduler]") {
    optim::SGD opt({param()}, optim::SGDOptions(1.0));
    // factor 0.5, patience 2, rel threshold 0.1, cooldown 1.
    optim::ReduceLROnPlateauScheduler s(opt, optim::ReduceLROnPlateauScheduler::min, 0.5, 2, 0.1,
                                        optim::ReduceLROnPlateauScheduler::rel, 1);
    // Epoch by epoch (best b; better means a < 0.9 b):
    //  1: 10   better (b = 10)                      bad 0
    //  2: 9.5  not < 9                              bad 1
    //  3: 9.2  not < 9                              bad 2
    //  4: 9.1  not < 9                              bad 3 > 2: lr 0.5, cooldown 1, bad 0
    //  5: 9.9  bad 1, in cooldown: counter 0, bad 0
    //  6: 9.8  bad 1
    //  7: 8.0  8 < 9: better (b = 8), bad 0
    //  8: 8.0  bad 1;  9: 7.5 (not < 7.2) bad 2;  10: 7.3 bad 3 > 2: lr 0.25
    const std::vector<double> metrics = {10, 9.5, 9.2, 9.1, 9.9, 9.8, 8.0, 8.0, 7.5, 7.3};
    const std::vector<double> want = {1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25};
    REQUIRE(lrs_after_steps(s, opt, metrics) == want);
    REQUIRE(s.best() == 8.0);
    REQUIRE(s.last_epoch() == 10);
}

TEST_CASE("ReduceLROnPlateau: max mode, abs threshold, min_lr and eps", "[optim][scheduler]") {
    Tensor a = param(), b = param();
    std::vector<optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<Tensor>{a});
    groups.emplace_back(std::vector<Tensor>{b}, std::make_unique<optim::SGDOptions>(0.1));
    optim::SGD opt(groups, optim::SGDOptions(1.0));
    // factor 0.1, patience 0 (every bad epoch reduces), abs threshold 0.05, min_lr (0.02, 0.05).
    optim::ReduceLROnPlateauScheduler s(opt, optim::ReduceLROnPlateauScheduler::max, 0.1, 0, 0.05,
                                        optim::ReduceLROnPlateauScheduler::abs, 0, {0.02f, 0.05f});
    // 1: 0.5 better (the first always is).  2: 0.54 is not > 0.55: reduce: 1 -> 0.1; 0.1 -> 0.05.
    // 3: 0.6 > 0.55: better.  4: 0.6: reduce: 0.1 -> max(0.01, 0.02) = 0.02; group 1 is at its
    // minimum already (0.05 - 0.05 = 0 <= eps: unchanged).
    s.step(0.5);
    s.step(0.54);
    REQUIRE(opt.options(0).lr() == Approx(0.1).epsilon(1e-12));
    REQUIRE(opt.options(1).lr() == Approx(0.05).epsilon(1e-7));
    s.step(0.6);
    s.step(0.6);
    REQUIRE(opt.options(0).lr() == Approx(0.02).epsilon(1e-7));
    REQUIRE(opt.options(1).lr() == Approx(0.05).epsilon(1e-7));
    REQUIRE(s.best() == 0.6);

    // A change no larger than eps is skipped: lr 1e-8 * 0.1 differs by 9e-9 < 1e-8.
    optim::SGD tiny({param()}, optim::SGDOptions(1e-8));
    optim::ReduceLROnPlateauScheduler t(tiny, optim::ReduceLROnPlateauScheduler::min, 0.1, 0);
    t.step(1.0);
    t.step(2.0);
    REQUIRE(tiny.lr() == 1e-8);

    require_throws_with<ember::ValueError>(
        [&] { optim::ReduceLROnPlateauScheduler(opt, optim::ReduceLROnPlateauScheduler::min, 1.0); },
        {"factor", "< 1.0"});
    require_throws_with<ember::ValueError>(
        [&] {
            optim::ReduceLROnPlateauScheduler(opt, optim::ReduceLROnPlateauScheduler::min, 0.1, 10, 1e-4,
                                              optim::ReduceLROnPlateauScheduler::rel, 0, {0.1f});
        },
        {"min_lr", "1", "2 parameter groups"});
}
