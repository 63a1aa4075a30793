// Data-parallel RBM::fit and DBN pretraining (RBMTrainOptions::process_group), run by ctest under
// mpiexec -n 2 and -n 3. The references are computed on each rank alone: the single-process
// statistics of the whole batch with the same negative samples (and the lecture's explicit
// update), the single-process reconstruction error, and every rank's own parameters (the ranks
// must agree bitwise, and two runs must agree bitwise). Returns non-zero when a check fails.
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "ember/distributed/distributed.h"
#include "ember/ember.h"
#include "nn/rbm_batch.h"
#include "nn/rbm_data_parallel.h"
#include "rank_checks.h"

namespace dist = ember::distributed;
namespace detail = ember::nn::detail;
using ember::Tensor;

namespace {
using rank_checks::check;
using rank_checks::expect_error;
using rank_checks::failures;
using rank_checks::my_rank;

void check_close(const Tensor& got, const Tensor& want, const std::string& what, double tol = 2e-5) {
    const double err = (got.to(ember::kFloat64) - want.to(ember::kFloat64)).abs().max().item<double>();
    const double scale = 1 + want.to(ember::kFloat64).abs().max().item<double>();
    check(err <= tol * scale, what + ": max difference " + std::to_string(err));
}

// True when every rank holds bitwise the same values of t.
bool same_on_every_rank(const Tensor& t) {
    std::vector<Tensor> all;
    for (int r = 0; r < dist::world_size(); ++r) all.push_back(ember::empty_like(t));
    dist::all_gather(all, t.contiguous());
    bool same = true;
    for (const Tensor& other : all) same = same && other.equal(t);
    return same;
}

bool parameters_agree(const ember::nn::Module& m) {
    bool ok = true;
    for (const Tensor& p : m.parameters()) ok = same_on_every_rank(p) && ok;
    return ok;
}

Tensor binary_data(int64_t rows, int64_t cols, uint64_t seed) {
    ember::manual_seed(seed);
    return ember::bernoulli(ember::rand({rows, cols}) * 0.8 + 0.1);
}

// One batch's all-reduced shares equal the single-process statistics of the whole batch with the
// same negative samples: B data rows and M model rows, neither divisible by the world size, and
// a batch shorter than the world (a rank without data rows, still with its chains).
void test_statistics(int world) {
    const int64_t nv = 9, nh = 4;
    ember::manual_seed(11);  // the same model and batch on every rank
    ember::nn::RBM rbm(nv, nh);
    {
        ember::NoGradGuard g;
        rbm->hidden_bias.normal_(0, 0.5);
        rbm->visible_bias.normal_(0, 0.5);
        rbm->weight.normal_(0, 0.5);
    }
    auto group = dist::get_default_group();
    for (auto [B, M] : {std::pair<int64_t, int64_t>{7, 7}, {7, 5}, {2, 5}}) {
        const Tensor v0 = binary_data(B, nv, 100 + B), vk = binary_data(M, nv, 200 + M);
        const std::string what = "statistics of " + std::to_string(B) + " data and " + std::to_string(M) +
                                 " model rows on " + std::to_string(world) + " ranks";
        const detail::Shard d = detail::shard_of(B, my_rank, world), m = detail::shard_of(M, my_rank, world);
        const detail::PositivePhase pos = detail::positive_phase(*rbm, v0.narrow(0, d.start, d.size));
        detail::BatchStatistics s = detail::batch_statistics(
            *rbm, pos, detail::negative_phase_given(*rbm, pos, vk.narrow(0, m.start, m.size)), B, M, true);
        detail::DataParallel dp(group);
        dp.all_reduce(s);

        const detail::PositivePhase full = detail::positive_phase(*rbm, v0);
        const detail::BatchStatistics ref =
            detail::batch_statistics(*rbm, full, detail::negative_phase_given(*rbm, full, vk));
        check_close(s.grad_weight, ref.grad_weight, what + ": dW");
        check_close(s.grad_visible_bias, ref.grad_visible_bias, what + ": db");
        check_close(s.grad_hidden_bias, ref.grad_hidden_bias, what + ": dc");
        check_close(s.free_energy_gap, ref.free_energy_gap, what + ": free-energy gap");
        check_close(s.reconstruction_error, ref.reconstruction_error, what + ": reconstruction error");
        // Independent of the fused op: the lecture's formulas and the RBM's own methods.
        check_close(s.mean_hidden, rbm->hidden_probs(v0).mean({0}), what + ": mean E[h | v0]");
        check_close(s.mean_visible, v0.mean({0}), what + ": mean v0");
        check_close(s.reconstruction_error, ember::scalar_tensor(rbm->reconstruction_error(v0)),
                    what + ": reconstruction error vs RBM::reconstruction_error");
        check_close(s.free_energy_gap, rbm->free_energy(v0).mean() - rbm->free_energy(vk).mean(),
                    what + ": gap vs free_energy");
        if (B == M) {
            const auto u = rbm->explicit_update(v0, vk);  // the negative of the gradient
            check_close(s.grad_weight, -u.weight, what + ": dW vs explicit_update");
            check_close(s.grad_visible_bias, -u.visible_bias, what + ": db vs explicit_update");
            check_close(s.grad_hidden_bias, -u.hidden_bias, what + ": dc vs explicit_update");
        }
        check(same_on_every_rank(s.grad_weight), what + ": every rank gets the same dW");
    }
}

ember::nn::RBMTrainOptions options(int epochs, int64_t batch, bool persistent, int64_t chains, double sparsity) {
    ember::nn::RBMTrainOptions o;
    o.epochs = epochs;
    o.batch_size = batch;
    o.persistent = persistent;
    o.n_chains = chains;
    o.sparsity_target = sparsity;
    o.progress = false;
    o.process_group = dist::get_default_group();
    return o;
}

// Parameters stay bitwise equal across ranks, and two runs with the same seed give bitwise the
// same parameters and metrics: CD with a last batch shorter than the world (23 = 3 * 7 + 2), PCD
// with 5 chains shared unequally, the sparsity penalty. The ranks are seeded differently before
// the model is built: fit starts from rank 0's parameters.
void test_fit() {
    const Tensor data = binary_data(23, 12, 5);
    struct Case {
        const char* name;
        ember::nn::RBMTrainOptions o;
    };
    for (const Case& c : {Case{"CD-1", options(3, 7, false, 0, 0)}, Case{"PCD, 5 chains", options(3, 7, true, 5, 0)},
                          Case{"PCD, a chain per row, sparsity", options(2, 6, true, 0, 0.1)}}) {
        std::vector<Tensor> weights;
        std::vector<double> errors;
        for (int run = 0; run < 2; ++run) {
            ember::manual_seed(1000 + my_rank);  // different on every rank: fit must not care
            ember::nn::RBM rbm(12, 5);
            ember::manual_seed(42);  // rank 0's generator picks the fit's seed
            const auto history = rbm->fit(data, c.o);
            check(parameters_agree(*rbm), std::string(c.name) + ": parameters agree across ranks");
            check(same_on_every_rank(ember::tensor(history.back().reconstruction_error)),
                  std::string(c.name) + ": the epoch's reconstruction error is global");
            check(history.back().allreduce_seconds > 0, std::string(c.name) + ": all-reduce time recorded");
            weights.push_back(rbm->weight.clone());
            errors.push_back(history.back().reconstruction_error);
        }
        check(weights[0].equal(weights[1]) && errors[0] == errors[1],
              std::string(c.name) + ": two runs with the same seed agree bitwise");
    }
    // With lr 0 the model stays put, so the epoch's reconstruction error (the mean-field
    // reconstruction, no sampling) is the single-process error of the whole data set: every row
    // was in exactly one rank's shard of one batch.
    ember::nn::RBM rbm(12, 5);
    auto o = options(1, 7, false, 0, 0);
    o.lr = 0;
    o.init_visible_bias_from_data = false;
    const auto history = rbm->fit(data, o);
    check_close(ember::scalar_tensor(history[0].reconstruction_error),
                ember::scalar_tensor(rbm->reconstruction_error(data)), "lr 0: the epoch's reconstruction error");
}

// Greedy pretraining with the group: every layer agrees across ranks.
void test_dbn() {
    const Tensor data = binary_data(20, 10, 9);
    ember::manual_seed(7 + my_rank);
    ember::nn::DBN dbn(std::vector<int64_t>{10, 6, 4});
    ember::manual_seed(3);
    const auto histories = dbn->pretrain(data, {options(2, 8, false, 0, 0)});
    check(histories.size() == 2 && histories[1].size() == 2, "DBN: two layers, two epochs each");
    check(parameters_agree(*dbn), "DBN: every layer's parameters agree across ranks");
    check(same_on_every_rank(dbn->transform(data)), "DBN: the same features on every rank");
}

// The ranks' DistributedRandomSampler shards, all-gathered, cover every example exactly once per
// epoch (17 examples: not divisible by 2 or 3, so without duplicates the last ones are cut).
void test_sampler_coverage(int world) {
    const size_t n = 17;
    for (size_t epoch : {size_t(0), size_t(3)}) {
        ember::data::samplers::DistributedRandomSampler s(n, world, my_rank, /*allow_duplicates=*/true);
        s.set_epoch(epoch);
        s.reset();
        std::vector<int64_t> mine;
        while (auto batch = s.next(4))
            for (size_t i : *batch) mine.push_back(static_cast<int64_t>(i));
        const int64_t local = static_cast<int64_t>((n + world - 1) / world);
        check(static_cast<int64_t>(mine.size()) == local, "sampler: ceil(n / world) indices per rank");
        std::vector<Tensor> all;
        for (int r = 0; r < world; ++r) all.push_back(ember::empty({local}, ember::dtype(ember::kInt64)));
        dist::all_gather(all, ember::tensor(mine));
        std::vector<int> count(n, 0);
        for (const Tensor& t : all)
            for (int64_t j = 0; j < local; ++j) ++count[static_cast<size_t>(t[j].item<int64_t>())];
        // world * local - n padding indices are visited twice, every other one once.
        int once = 0, twice = 0;
        for (int c : count) once += c == 1, twice += c == 2;
        check(once + twice == static_cast<int>(n) && twice == world * local - static_cast<int>(n),
              "sampler: every example visited once per epoch, the padding twice");
    }
}

void test_errors(int world) {
    const Tensor data = binary_data(10, 4, 1);
    ember::nn::RBM rbm(4, 3);
    expect_error<ember::ValueError>(
        "batch smaller than the world", [&] { rbm->fit(data, options(1, world - 1, false, 0, 0)); },
        "needs batch_size and the data's rows >= " + std::to_string(world));
    expect_error<ember::ValueError>(
        "fewer chains than ranks", [&] { rbm->fit(data, options(1, 5, true, world - 1, 0)); },
        "cannot be shared among");
    // Rank 0 passes one row fewer: every rank gets the same error.
    expect_error<ember::ValueError>(
        "different data sets",
        [&] { rbm->fit(my_rank == 0 ? data.narrow(0, 0, 9) : data, options(1, 5, false, 0, 0)); },
        "every rank must pass the same data set, got between 9 and 10 rows");
}
}  // namespace

int main() {
    dist::init_process_group("mpi");
    my_rank = dist::rank();
    const int world = dist::world_size();
    test_statistics(world);
    test_fit();
    test_dbn();
    test_sampler_coverage(world);
    test_errors(world);
    dist::barrier();
    dist::destroy_process_group();
    std::printf("rank %d of %d: %s\n", my_rank, world, failures ? "FAILED" : "all data-parallel RBM checks passed");
    return failures ? 1 : 0;
}
