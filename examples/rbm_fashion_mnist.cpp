// One RBM on Fashion-MNIST: train it with CD-k (or PCD), then look at it and measure it.
//  - filters.png: the weights of the first 100 hidden units as 28x28 images
//  - reconstructions.png: test images (odd rows) above their mean-field reconstructions (even rows)
//  - samples.png: visible states of 64 Gibbs chains after 1000 steps from random states
//  - reconstruction error, pseudo-likelihood and an AIS estimate of the test log-likelihood.
// Usage: rbm_fashion_mnist [--device cpu|cuda|auto] [--epochs N] [--hidden H] [--k K] [--pcd] [--out DIR]
//                          [--checkpoint-every N [--checkpoint PATH]] [--resume PATH]
//                          [--distributed]  (data-parallel training under mpirun -np N; rank 0 evaluates and writes)
// A run killed and resumed with --resume (the same flags otherwise) trains the same RBM as an
// uninterrupted run, with CD-k or --pcd (the checkpoint holds the persistent chains; docs/checkpoints.md).
#include "common.h"

using namespace ember;

int main(int argc, char** argv) try {
    CLI::App app{"A Restricted Boltzmann Machine on Fashion-MNIST"};
    demo::CommonOptions opt;
    opt.epochs = 10;
    opt.out = "out/rbm";
    int64_t hidden = 500, k = 1, ais_betas = 3000, ais_runs = 100;
    bool pcd = false, distributed = false;
    demo::CheckpointOptions ckpt;
    demo::add_common(app, opt);
    demo::add_checkpoint_options(app, ckpt);
    demo::add_distributed(app, distributed);
    app.add_option("--hidden", hidden, "hidden units")->check(CLI::PositiveNumber);
    app.add_option("--k", k, "Gibbs steps per update (CD-k)")->check(CLI::PositiveNumber);
    app.add_flag("--pcd", pcd, "persistent contrastive divergence");
    app.add_option("--ais-betas", ais_betas, "AIS inverse temperatures");
    app.add_option("--ais-runs", ais_runs, "AIS runs");
    CLI11_PARSE(app, argc, argv);
    demo::resolve_checkpoint_path(ckpt, opt);

    demo::Distributed dist;
    demo::start_distributed(dist, distributed);
    ckpt.writer = dist.is_main();
    ckpt.world_size = dist.world;
    demo::Setup run = demo::setup(opt);
    const Device device = run.device;
    const demo::Data& d = run.data;
    // Bernoulli visible units model binary pixels; the grey levels are used as probabilities.
    Tensor train = d.train.x.to(device), test = d.test.x.to(device);

    nn::RBM rbm(train.size(1), hidden);
    rbm->to(device);
    nn::RBMTrainOptions o;
    o.epochs = opt.epochs;
    o.k = k;
    o.persistent = pcd;
    o.lr = 0.05;
    // Checkpoints from fit's per-batch callback; a resumed fit starts at the saved batch and loads
    // the optimizer's state into the optimizer it makes.
    const int64_t batches = (train.size(0) + o.batch_size - 1) / o.batch_size;
    if (ckpt.every > 0)
        o.on_batch = [&](const nn::RBMBatch& b) {
            TrainingState s;
            s.epoch = b.epoch;
            s.step = b.step;
            s.epoch_rng_state = b.epoch_rng_state;
            if (rbm->persistent_chains().defined()) s.extra["pcd_chains"] = rbm->persistent_chains();
            if (b.sparsity_estimate.defined()) s.extra["sparsity_estimate"] = b.sparsity_estimate;
            ckpt.after_batch((b.epoch - 1) * batches + b.step, *rbm, b.optimizer, s);
        };
    if (ckpt.resuming()) {
        const TrainingState s = load_checkpoint(ckpt.resume, rbm, nullptr, ckpt.world_size);
        std::cerr << "resuming epoch " << s.epoch << " after batch " << s.step << "\n";
        auto saved = [&](const char* name) { return s.extra.count(name) ? s.extra.at(name) : Tensor(); };
        o.resume =
            nn::RBMResume{s.epoch,
                          s.step,
                          s.epoch_rng_state,
                          s.rng_state,
                          [&](optim::Optimizer& optimizer) { load_checkpoint_optimizer(ckpt.resume, optimizer); },
                          saved("pcd_chains"),
                          saved("sparsity_estimate")};
    }
    o.process_group = dist.group();  // null: this process alone
    o.progress = dist.is_main();
    const auto fit_t0 = std::chrono::steady_clock::now();
    auto history = rbm->fit(train, o);
    const double fit_seconds = demo::seconds_since(fit_t0);
    if (!dist.is_main()) return 0;  // the parameters are rank 0's too; rank 0 evaluates and writes
    for (const auto& e : history)
        std::cout << "epoch " << e.epoch << ": reconstruction error " << e.reconstruction_error << " (" << e.seconds
                  << " s)\n";

    NoGradGuard no_grad;
    const int64_t side = 28;
    data::save_image_grid(demo::normalize_rows(rbm->weight.narrow(0, 0, std::min<int64_t>(100, hidden)).cpu()), side,
                          side, opt.out + "/filters.png");
    Tensor originals = test.narrow(0, 0, 32);
    Tensor recon = rbm->reconstruct(originals);
    std::vector<Tensor> rows;
    for (int64_t r = 0; r < 4; ++r) {
        rows.push_back(originals.narrow(0, r * 8, 8));
        rows.push_back(recon.narrow(0, r * 8, 8));
    }
    data::save_image_grid(cat(rows, 0).cpu(), side, side, opt.out + "/reconstructions.png", 8);
    Tensor chains = rbm->gibbs(bernoulli(full({64, train.size(1)}, 0.5, train.options())), 1000);
    data::save_image_grid(rbm->visible_probs(rbm->hidden_probs(chains)).cpu(), side, side, opt.out + "/samples.png");

    double test_recon = rbm->reconstruction_error(test);
    // Likelihoods are those of binarised test images (pixels > 0.5): the model is over binary vectors.
    Tensor test_bin = (test > 0.5).to(kFloat32);
    double pl = rbm->pseudo_likelihood(test_bin);
    nn::AISOptions ao;
    ao.n_betas = ais_betas;
    ao.runs = ais_runs;
    auto ais = nn::rbm_log_partition_ais(*rbm, ao, train);
    double test_ll = nn::rbm_log_likelihood(*rbm, test_bin, ais.log_z);
    std::cout << "test reconstruction error " << test_recon << ", pseudo-likelihood (binarised) " << pl
              << ", AIS log Z " << ais.log_z << " (+-" << ais.log_z_std << "), test log-likelihood (binarised) "
              << test_ll << "\n";
    save(rbm, opt.out + "/rbm.safetensors");
    std::cout << demo::Json()
                     .add("example", "rbm_fashion_mnist")
                     .add("data", d.real ? "fashion-mnist" : "synthetic")
                     .add("device", device.str())
                     .add("world_size", static_cast<double>(dist.world))
                     .add("examples_per_second_per_rank", static_cast<double>(history.size()) *
                                                              static_cast<double>(train.size(0)) / fit_seconds /
                                                              static_cast<double>(dist.world))
                     .add("epochs", static_cast<double>(history.size()))
                     .add("train_reconstruction_error", history.empty() ? 0.0 : history.back().reconstruction_error)
                     .add("test_reconstruction_error", test_recon)
                     .add("test_pseudo_likelihood", pl)
                     .add("ais_log_z", ais.log_z)
                     .add("test_log_likelihood_ais", test_ll)
                     .add("seconds", demo::seconds_since(run.start))
                     .str()
              << std::endl;
    return 0;
} catch (const std::exception& e) {
    std::cerr << "rbm_fashion_mnist: " << e.what() << "\n";
    return 1;
}
