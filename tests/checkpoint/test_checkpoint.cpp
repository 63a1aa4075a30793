// ember::save_checkpoint / load_checkpoint: what comes back, and the clear errors for a file that
// must not be resumed from (truncated, another model, another world size, another version). The
// kill-and-resume test is crash_resume.sh.
#include <filesystem>
#include <fstream>

#include "core_test_util.h"
#include "ember/ember.h"

using namespace ember;
using core_test::require_throws_with;

namespace {

std::string temp_path(const std::string& name) {
    // Under the working directory, which ctest makes this test's build folder: two builds' test
    // runs (CI's ASan and CUDA builds) never share files, and nothing piles up in /tmp.
    const std::filesystem::path dir = "checkpoint_test_files";
    std::filesystem::create_directories(dir);
    return (dir / name).string();
}

nn::Sequential small_model(int64_t hidden = 4) {
    return nn::Sequential(nn::Linear(3, hidden), nn::Tanh(), nn::Linear(hidden, 2));
}

void train_steps(nn::Sequential& model, optim::Optimizer& opt, int steps) {
    for (int i = 0; i < steps; ++i) {
        Tensor loss = model(randn({5, 3})).pow(2).mean();
        opt.zero_grad();
        loss.backward();
        opt.step();
    }
}

void require_same(const nn::Module& a, const nn::Module& b) {
    auto sa = a.state_dict(), sb = b.state_dict();
    REQUIRE(sa.size() == sb.size());
    for (const auto& [name, t] : sa) {
        INFO(name);
        REQUIRE(t.equal(sb[name]));
    }
}

// Fits `rbm` with `o`, writing a checkpoint to `path` after batch 4 of epoch 2 (with PCD's chains
// and the sparsity estimate as extras when the run has them), as the RBM demo does.
void fit_checkpointing(nn::RBM& rbm, const Tensor& data, nn::RBMTrainOptions o, const std::string& path) {
    o.on_batch = [&](const nn::RBMBatch& b) {
        if (b.epoch != 2 || b.step != 4) return;
        TrainingState s;
        s.epoch = b.epoch;
        s.step = b.step;
        s.epoch_rng_state = b.epoch_rng_state;
        if (rbm->persistent_chains().defined()) s.extra["pcd_chains"] = rbm->persistent_chains();
        if (b.sparsity_estimate.defined()) s.extra["sparsity_estimate"] = b.sparsity_estimate;
        save_checkpoint(path, *rbm, b.optimizer, s);
    };
    rbm->fit(data, o);
}
}  // namespace

TEST_CASE("save_checkpoint/load_checkpoint: model, optimizer, loop state and generator come back", "[checkpoint]") {
    manual_seed(1);
    nn::Sequential model = small_model();
    optim::Adam opt(model->parameters(), optim::AdamOptions(0.01));
    train_steps(model, opt, 3);
    TrainingState s;
    s.epoch = 2;
    s.step = 7;
    s.order = tensor(std::vector<int64_t>{2, 0, 1});
    s.epoch_rng_state = get_rng_state();
    (void)rand({3});
    s.extra["running_loss"] = tensor(std::vector<double>{0.25});
    const std::string path = temp_path("roundtrip.ckpt");
    save_checkpoint(path, model, opt, s);
    const Tensor rng_at_save = get_rng_state();

    manual_seed(99);
    nn::Sequential other = small_model();
    optim::Adam other_opt(other->parameters(), optim::AdamOptions(0.5));
    const TrainingState back = load_checkpoint(path, other, other_opt);
    CHECK(back.epoch == 2);
    CHECK(back.step == 7);
    CHECK(back.world_size == 1);
    CHECK(back.order.equal(s.order));
    CHECK(back.epoch_rng_state.equal(s.epoch_rng_state));
    CHECK(back.rng_state.equal(rng_at_save));  // taken by save_checkpoint itself
    CHECK(back.extra.at("running_loss").equal(s.extra["running_loss"]));
    require_same(*model, *other);

    // The optimizer's moments and options came back: the same steps from the same generator
    // state give the same parameters.
    set_rng_state(back.rng_state);
    train_steps(other, other_opt, 2);
    set_rng_state(rng_at_save);
    train_steps(model, opt, 2);
    require_same(*model, *other);
}

TEST_CASE("get_rng_state/set_rng_state: the same draws again, and a clear error for a bad state", "[checkpoint]") {
    manual_seed(3);
    (void)randn({7});
    const Tensor state = get_rng_state();
    const Tensor a = rand({5}), b = randn({3});
    set_rng_state(state);
    CHECK(rand({5}).equal(a));
    CHECK(randn({3}).equal(b));
    require_throws_with<ValueError>([] { set_rng_state(zeros({2})); }, {"set_rng_state", "int64"});
    require_throws_with<ValueError>([] { set_rng_state(Tensor()); }, {"set_rng_state", "undefined"});
}

TEST_CASE("load_checkpoint: a truncated file is an IOError naming the file", "[checkpoint]") {
    nn::Sequential model = small_model();
    optim::SGD opt(model->parameters(), optim::SGDOptions(0.1));
    const std::string path = temp_path("truncated.ckpt");
    save_checkpoint(path, model, opt, TrainingState{});
    std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
    require_throws_with<IOError>([&] { (void)load_checkpoint(path, model, opt); },
                                 {"load_checkpoint", path, "truncated"});
    std::filesystem::resize_file(path, 5);
    require_throws_with<IOError>([&] { (void)load_checkpoint(path, model, opt); }, {"load_checkpoint", path});
    require_throws_with<IOError>([&] { (void)load_checkpoint(temp_path("missing.ckpt"), model, opt); },
                                 {"load_checkpoint", "missing.ckpt"});
}

TEST_CASE("load_checkpoint: a checkpoint of another model names the first difference and changes nothing",
          "[checkpoint]") {
    nn::Sequential model = small_model(4);
    optim::SGD opt(model->parameters(), optim::SGDOptions(0.1));
    const std::string path = temp_path("other_model.ckpt");
    save_checkpoint(path, model, opt, TrainingState{});

    nn::Sequential wider = small_model(5);
    const Tensor before = wider->state_dict()["0.weight"].clone();
    optim::SGD wider_opt(wider->parameters(), optim::SGDOptions(0.1));
    require_throws_with<ValueError>([&] { (void)load_checkpoint(path, wider, wider_opt); },
                                    {"another model", "\"0.weight\"", "[4, 3]", "[5, 3]", "fingerprint"});
    CHECK(wider->state_dict()["0.weight"].equal(before));

    nn::Sequential deeper(nn::Linear(3, 4), nn::Tanh(), nn::Linear(4, 2), nn::Linear(2, 2));
    require_throws_with<ValueError>([&] { (void)load_checkpoint(path, deeper, nullptr); },
                                    {"another model", "\"3.weight\"", "not in the file"});
    CHECK(model_fingerprint(*model) != model_fingerprint(*wider));
    CHECK(model_fingerprint(*model) == model_fingerprint(*small_model(4)));
}

TEST_CASE("load_checkpoint: another world size, another optimizer or none saved is a ValueError", "[checkpoint]") {
    nn::Sequential model = small_model();
    optim::SGD opt(model->parameters(), optim::SGDOptions(0.1));
    const std::string path = temp_path("world.ckpt");
    TrainingState s;
    s.world_size = 2;
    save_checkpoint(path, model, opt, s);
    require_throws_with<ValueError>([&] { (void)load_checkpoint(path, model, opt); },
                                    {"2 processes", "this run has 1", "same world size"});
    CHECK(load_checkpoint(path, model, opt, 2).world_size == 2);

    optim::Adam adam(model->parameters(), optim::AdamOptions(0.1));
    require_throws_with<ValueError>([&] { (void)load_checkpoint(path, model, adam, 2); }, {"SGD", "Adam"});

    save_checkpoint(path, model, nullptr, TrainingState{});
    require_throws_with<ValueError>([&] { (void)load_checkpoint(path, model, opt); }, {"no optimizer state"});
    CHECK(load_checkpoint(path, model, nullptr).epoch == 0);
}

TEST_CASE("load_checkpoint: another version or format is a ValueError", "[checkpoint]") {
    nn::Sequential model = small_model();
    const std::string path = temp_path("version.ckpt");
    save_checkpoint(path, model, nullptr, TrainingState{});
    std::map<std::string, std::string> meta = load_tensors_metadata(path);
    const std::map<std::string, Tensor> tensors = load_tensors(path);
    meta["version"] = std::to_string(kCheckpointVersion + 1);
    save_tensors(tensors, path, meta);
    require_throws_with<ValueError>([&] { (void)load_checkpoint(path, model, nullptr); },
                                    {"version " + std::to_string(kCheckpointVersion + 1), "reads version"});

    save(model, path);  // a module file, not a training checkpoint
    require_throws_with<ValueError>([&] { (void)load_checkpoint(path, model, nullptr); },
                                    {"not a training checkpoint"});
}

TEST_CASE("save_checkpoint: a stray temporary file of an interrupted write does not hide the checkpoint",
          "[checkpoint]") {
    nn::Sequential model = small_model();
    optim::SGD opt(model->parameters(), optim::SGDOptions(0.1));
    const std::string path = temp_path("stray.ckpt");
    TrainingState s;
    s.step = 3;
    save_checkpoint(path, model, opt, s);
    {
        std::ofstream stray(path + ".tmp-999999-0", std::ios::binary);
        stray << "half a checkpoint";
    }
    CHECK(load_checkpoint(path, model, opt).step == 3);
    s.step = 4;
    save_checkpoint(path, model, opt, s);  // the stray name never collides with a new write's
    CHECK(load_checkpoint(path, model, opt).step == 4);
    std::filesystem::remove(path + ".tmp-999999-0");
}

TEST_CASE("RBM::fit: resuming from a checkpoint taken in on_batch ends with the uninterrupted run's parameters",
          "[checkpoint][rbm]") {
    manual_seed(11);
    const Tensor data = bernoulli(full({95, 12}, 0.3));  // 10 batches an epoch, the last partial
    const std::string path = temp_path("rbm.ckpt");
    auto options = [] {
        nn::RBMTrainOptions o;
        o.epochs = 3;
        o.batch_size = 10;
        o.progress = false;
        return o;
    };

    manual_seed(5);
    nn::RBM reference(12, 7);
    fit_checkpointing(reference, data, options(), path);

    manual_seed(5);
    nn::RBM resumed(12, 7);
    const TrainingState s = load_checkpoint(path, resumed, nullptr);
    nn::RBMTrainOptions r = options();
    r.resume = nn::RBMResume{s.epoch, s.step, s.epoch_rng_state, s.rng_state,
                             [&](optim::Optimizer& opt) { load_checkpoint_optimizer(path, opt); }};
    const auto history = resumed->fit(data, r);
    CHECK(history.size() == 2);  // the rest of epoch 2, and epoch 3
    require_same(*reference, *resumed);

    // Without the optimizer's momentum the same resume ends elsewhere: the test sees that state.
    manual_seed(5);
    nn::RBM no_momentum(12, 7);
    (void)load_checkpoint(path, no_momentum, nullptr);
    r.resume->restore_optimizer = nullptr;
    no_momentum->fit(data, r);
    CHECK_FALSE(no_momentum->weight.equal(reference->weight));

    r.resume->step = 11;
    require_throws_with<ValueError>([&] { no_momentum->fit(data, r); }, {"RBM::fit", "cannot resume", "batch 11"});
}

TEST_CASE("RBM::fit: PCD with the sparsity penalty resumes exactly when the chains and the estimate are saved",
          "[checkpoint][rbm]") {
    manual_seed(12);
    const Tensor data = bernoulli(full({95, 12}, 0.3));
    const std::string path = temp_path("rbm_pcd.ckpt");
    auto options = [] {
        nn::RBMTrainOptions o;
        o.epochs = 3;
        o.batch_size = 10;
        o.persistent = true;
        o.sparsity_target = 0.1;
        o.sparsity_cost = 0.5;
        o.progress = false;
        return o;
    };

    manual_seed(6);
    nn::RBM reference(12, 7);
    fit_checkpointing(reference, data, options(), path);

    auto resume_from = [&](nn::RBM& rbm, bool with_chains) {
        const TrainingState s = load_checkpoint(path, rbm, nullptr);
        REQUIRE(s.extra.count("pcd_chains") == 1);
        REQUIRE(s.extra.count("sparsity_estimate") == 1);
        nn::RBMTrainOptions r = options();
        r.resume = nn::RBMResume{s.epoch,
                                 s.step,
                                 s.epoch_rng_state,
                                 s.rng_state,
                                 [&](optim::Optimizer& opt) { load_checkpoint_optimizer(path, opt); },
                                 with_chains ? s.extra.at("pcd_chains") : Tensor(),
                                 s.extra.at("sparsity_estimate")};
        rbm->fit(data, r);
    };
    manual_seed(6);
    nn::RBM resumed(12, 7);
    resume_from(resumed, true);
    require_same(*reference, *resumed);

    // Chains restarted from the data instead: another result, so the test sees the chains.
    manual_seed(6);
    nn::RBM restarted(12, 7);
    resume_from(restarted, false);
    CHECK_FALSE(restarted->weight.equal(reference->weight));
}
