// The classic small benchmark of RBM training: 4x4 bars and stripes (32 patterns, the all-off and
// all-on images appearing twice), an RBM with 16 hidden units, and the EXACT log-likelihood of the
// training set after every epoch (2^16 hidden states enumerated). We compare CD-1, CD-10 and PCD
// against the best attainable value: the log-likelihood of the empirical distribution,
//   sum over the 32 patterns of log(count / 32) = 28 log(1/32) + 4 log(2/32) = -108.13.
// Usage: rbm_bars_and_stripes [--epochs N] [--seed S] [--out DIR] [--lr LR]
#include "common.h"

using namespace ember;

int main(int argc, char** argv) try {
    CLI::App app{"RBM training algorithms compared on 4x4 bars and stripes with the exact likelihood"};
    demo::CommonOptions opt;
    opt.epochs = 5000;
    opt.out = "out/bars_and_stripes";
    double lr = 0.1;
    int64_t pcd_chains = 1000;
    demo::add_common(app, opt);
    app.add_option("--lr", lr, "learning rate");
    app.add_option("--pcd-chains", pcd_chains, "persistent chains for PCD");
    CLI11_PARSE(app, argc, argv);
    auto t0 = std::chrono::steady_clock::now();
    Device device = demo::pick_device(opt.device);
    demo::ensure_dir(opt.out);

    Tensor data = data::bars_and_stripes(4).to(kFloat64).to(device);
    const int64_t n = data.size(0);
    const double best = 28 * std::log(1.0 / 32) + 4 * std::log(2.0 / 32);
    std::cout << n << " patterns; best attainable log-likelihood " << best << "\n";

    struct Run {
        std::string name;
        int64_t k;
        bool pcd;
    };
    demo::Json json;
    json.add("example", "rbm_bars_and_stripes").add("best_log_likelihood", best);
    for (const Run& run : {Run{"CD-1", 1, false}, Run{"CD-10", 10, false}, Run{"PCD", 1, true}}) {
        manual_seed(opt.seed);
        nn::RBM rbm(16, 16);
        rbm->to(kFloat64);
        rbm->to(device);
        nn::RBMTrainOptions o;
        o.epochs = opt.epochs;
        o.batch_size = n;  // full batch: one update per epoch
        o.k = run.k;
        o.persistent = run.pcd;
        o.lr = lr;
        if (run.pcd) {
            // PCD needs many fantasy particles and a decaying learning rate to settle (Tieleman 2008).
            o.n_chains = pcd_chains;
            o.final_lr = 0;
        }
        o.weight_decay = 0;
        o.momentum = 0.5;
        o.final_momentum = 0.5;
        o.progress = false;
        o.init_visible_bias_from_data = false;
        std::vector<double> curve;
        const int64_t every = std::max<int64_t>(1, opt.epochs / 20);
        o.on_epoch = [&](const nn::RBMEpoch& e) {
            if (e.epoch % every != 0 && e.epoch != opt.epochs) return;
            double ll = n * nn::rbm_log_likelihood(*rbm, data, nn::rbm_log_partition_exact(*rbm));
            curve.push_back(ll);
            std::cout << run.name << " epoch " << e.epoch << ": log-likelihood " << ll << std::endl;
        };
        rbm->fit(data, o);
        json.add(run.name + "_final_log_likelihood", curve.back()).add(run.name + "_curve", curve);
        save(rbm, opt.out + "/rbm_" + run.name + ".safetensors");
    }
    std::cout << json.add("epochs", static_cast<double>(opt.epochs)).add("seconds", demo::seconds_since(t0)).str()
              << std::endl;
    return 0;
} catch (const std::exception& e) {
    std::cerr << "rbm_bars_and_stripes: " << e.what() << "\n";
    return 1;
}
