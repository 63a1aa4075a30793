// A deep autoencoder (Hinton & Salakhutdinov 2006) on Fashion-MNIST, against PCA.
//   1. pretrain a DBN 784-500-250-30 greedily (RBMs with CD-1; the top RBM has linear, Gaussian
//      hidden units, so the 30-number code is not squashed into (0, 1));
//   2. unroll it: the encoder is the stack (W, c), the decoder its mirror (W^T, b);
//   3. fine-tune the whole autoencoder on reconstruction (binary cross-entropy on pixels);
//   4. compare the test squared reconstruction error per image with PCA at the same code size,
//      computed in the same run (subspace iteration on the pixel covariance).
// Usage: autoencoder_fashion_mnist [--device cpu|cuda|auto] [--epochs N] [--pretrain-epochs N] [--out DIR]
//            [--loss bce|mse] [--lr X] [--lr-decay G] [--pretrained dbn.safetensors]
//            [--distributed]
// The pretrained DBN is saved as DIR/dbn.safetensors; --pretrained reuses it to try other fine-tuning
// settings without pretraining again. --distributed under mpirun -np N trains data-parallel: the
// RBMs over the process group (RBMTrainOptions::process_group), the fine-tuning through
// DistributedDataParallel with the global batch of 128 split over the ranks (examples/ddp.h); rank 0
// evaluates, prints and writes.
#include "common.h"
#include "ddp.h"

using namespace ember;

namespace {

// The top-`k` principal directions of the centred data x [N, D], as orthonormal columns [D, k]:
// subspace iteration Q <- orth(C Q) on the covariance C, orthonormalised by Gram-Schmidt.
Tensor pca_basis(const Tensor& x, int64_t k, int64_t iterations = 150) {
    NoGradGuard g;
    Tensor xc = x - x.mean({0}, true);
    Tensor cov = mm(xc.t(), xc) / static_cast<double>(x.size(0));
    Tensor q = randn({x.size(1), k}, x.options());
    for (int64_t it = 0; it < iterations; ++it) {
        q = mm(cov, q);
        // Modified Gram-Schmidt on the columns.
        std::vector<Tensor> cols;
        for (int64_t j = 0; j < k; ++j) {
            Tensor c = q.select(1, j);
            for (const Tensor& p : cols) c = c - p * (c * p).sum();
            cols.push_back(c / c.norm());
        }
        q = stack(cols, 1);
    }
    return q;
}

double per_image_squared_error(const Tensor& x, const Tensor& recon) {
    NoGradGuard g;
    Tensor d = x - recon;
    return (d * d).sum({1}).mean().item<double>();
}

}  // namespace

int main(int argc, char** argv) try {
    CLI::App app{"Deep autoencoder from a pretrained DBN, compared with PCA"};
    demo::CommonOptions opt;
    opt.epochs = 60;
    opt.out = "out/autoencoder";
    int64_t pretrain_epochs = 15;
    std::vector<int64_t> hidden = {500, 250, 30};
    std::string loss_name = "bce", pretrained;
    double lr = 2e-3, lr_decay = 0.96;
    demo::add_common(app, opt);
    app.add_option("--pretrain-epochs", pretrain_epochs, "epochs of CD-1 per RBM");
    app.add_option("--loss", loss_name, "fine-tuning loss: bce (the paper's) or mse (the reported metric)")
        ->check(CLI::IsMember({"bce", "mse"}));
    app.add_option("--lr", lr, "Adam learning rate for fine-tuning");
    app.add_option("--lr-decay", lr_decay, "multiply the fine-tuning learning rate by this after each epoch");
    app.add_option("--pretrained", pretrained, "load the pretrained DBN from this file instead of pretraining");
    app.add_option("--hidden", hidden, "encoder sizes, the last one is the code")->delimiter(',');
    bool distributed = false;
    demo::add_distributed(app, distributed);
    CLI11_PARSE(app, argc, argv);

    demo::Distributed dist;
    demo::start_distributed(dist, distributed);
    const bool main_rank = dist.is_main();
    demo::Setup run = demo::setup(opt);
    const Device device = run.device;
    const demo::Data& d = run.data;
    Tensor train = d.train.x.to(device), test = d.test.x.to(device);
    const int64_t code = hidden.back();

    // PCA with the same code size, fitted on the training set (by every rank: it draws from the
    // generator, which must stay in step across ranks for the DBN's initialisation).
    Tensor basis = pca_basis(train.to(kFloat64), code).to(kFloat32);
    Tensor mu = train.mean({0}, true);
    Tensor pca_recon = mm(mm(test - mu, basis), basis.t()) + mu;
    double pca_error = per_image_squared_error(test, pca_recon);
    if (main_rank)
        std::cout << "PCA with " << code << " components: test squared error per image " << pca_error << "\n";

    // Pretraining and unrolling.
    std::vector<int64_t> sizes = {train.size(1)};
    sizes.insert(sizes.end(), hidden.begin(), hidden.end());
    nn::DBN dbn(sizes, nn::VisibleUnits::Bernoulli, nn::HiddenUnits::Gaussian);
    dbn->to(device);
    nn::RBMTrainOptions ro;
    ro.epochs = pretrain_epochs;
    ro.lr = 0.05;
    ro.momentum_switch_epoch = 2;
    ro.process_group = dist.group();  // null: this process alone
    ro.progress = main_rank;
    std::vector<nn::RBMTrainOptions> per_layer(sizes.size() - 1, ro);
    per_layer.back().lr = 0.002;  // linear hidden units are unbounded: a much smaller step (Hinton's guide, 13.2)
    if (pretrained.empty()) {
        dbn->pretrain(train, per_layer);
        if (main_rank) save(*dbn, opt.out + "/dbn.safetensors");
    } else {
        load(*dbn, pretrained);
    }
    auto ae = nn::DeepAutoencoderImpl::from_dbn(*dbn);
    double unrolled_error = per_image_squared_error(test, ae->forward(test));
    if (main_rank)
        std::cout << "unrolled DBN before fine-tuning: test squared error per image " << unrolled_error << "\n";

    // Fine-tuning on reconstruction; with --distributed each rank takes its shard of every epoch in
    // batches of 128 / world rows and DDP averages the gradients over the ranks.
    std::shared_ptr<nn::parallel::DistributedDataParallelImpl<decltype(ae)>> ddp;
    if (dist.enabled) {
        ddp = std::make_shared<nn::parallel::DistributedDataParallelImpl<decltype(ae)>>(ae);
        manual_seed(opt.seed + static_cast<uint64_t>(dist.rank));
    }
    optim::Adam adam(ae->parameters(), optim::AdamOptions(lr));
    optim::ExponentialLR schedule(adam, lr_decay);
    auto ds = std::make_shared<data::TensorDataset>(d.train.x, d.train.y);
    data::DataLoader loader(ds, data::DataLoaderOptions().batch_size(128).shuffle(true).seed(opt.seed));
    demo::ShardedBatches shard(d.train, dist, 128);
    demo::SyncCost cost;
    double finetune_seconds = 0;
    int64_t finetune_examples = 0;
    std::vector<double> curve;
    for (int64_t e = 1; e <= opt.epochs; ++e) {
        data::ProgressBar bar(dist.enabled ? shard.batches() : loader.size(), "fine-tune epoch " + std::to_string(e),
                              main_rank ? &std::cerr : &demo::null_stream(), "batches");
        auto step = [&](const Tensor& batch) {
            Tensor x = batch.to(device);
            Tensor recon = ddp ? ddp->forward(x) : ae->forward(x);
            Tensor loss = loss_name == "bce" ? nn::functional::binary_cross_entropy(recon, x)
                                             : nn::functional::mse_loss(recon, x);
            adam.zero_grad();
            loss.backward();
            if (ddp) cost.after_backward(ddp);
            adam.step();
            finetune_examples += x.size(0);
            bar.update(1, {{loss_name, loss.item<double>()}});
        };
        const auto t0 = std::chrono::steady_clock::now();
        if (dist.enabled) {
            shard.start_epoch(e);
            Tensor x, y;
            while (shard.next(x, y)) step(x);
        } else {
            for (auto& batch : loader) step(batch.data);
        }
        finetune_seconds += demo::seconds_since(t0);
        bar.finish();
        schedule.step();
        if (!main_rank) continue;  // the others go on to the next epoch's first all-reduce
        curve.push_back(per_image_squared_error(test, ae->forward(test)));
        std::cout << "epoch " << e << ": test squared error per image " << curve.back() << " (PCA " << pca_error << ")"
                  << std::endl;
    }
    if (!main_rank) return 0;  // the parameters are rank 0's too; rank 0 writes and reports

    {
        NoGradGuard g;
        Tensor originals = test.narrow(0, 0, 16);
        Tensor rows = cat({originals, ae->forward(originals), pca_recon.narrow(0, 0, 16).clamp(0, 1)}, 0);
        data::save_image_grid(rows.cpu(), 28, 28, opt.out + "/reconstructions.png", 16);
    }
    save(*ae, opt.out + "/autoencoder.safetensors");
    demo::Json json;
    json.add("example", "autoencoder_fashion_mnist")
        .add("data", d.real ? "fashion-mnist" : "synthetic")
        .add("device", device.str())
        .add("code_size", static_cast<double>(code))
        .add("test_error_autoencoder", curve.empty() ? unrolled_error : curve.back())
        .add("test_error_pca", pca_error)
        .add("test_error_unrolled_before_finetune", unrolled_error)
        .add("ratio_to_pca", (curve.empty() ? unrolled_error : curve.back()) / pca_error);
    if (dist.enabled)  // the rate is the fine-tuning's
        demo::add_distributed_json(json, dist, static_cast<double>(finetune_examples) / finetune_seconds, cost);
    std::cout << json.add("seconds", demo::seconds_since(run.start)).str() << std::endl;
    return 0;
} catch (const std::exception& e) {
    std::cerr << "autoencoder_fashion_mnist: " << e.what() << "\n";
    return 1;
}
