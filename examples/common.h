#pragma once
// Shared plumbing of the Fashion-MNIST demos: command line, device choice, data loading with a
// synthetic fallback, accuracy, a classifier training loop and the closing JSON line. Each demo
// file keeps the part that teaches something.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

#include "ember/ember.h"

namespace demo {

using namespace ember;

struct CommonOptions {
    std::string device = "auto";
    int64_t epochs = 10;
    uint64_t seed = 1;
    std::string out = "out";
    std::string data = data::kFashionMnistRoot;
    int64_t train_size = 0;  // 0: all
};

inline void add_common(CLI::App& app, CommonOptions& o) {
    app.add_option("--device", o.device, "cpu, cuda or auto (cuda when available)")
        ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
    app.add_option("--epochs", o.epochs, "training epochs")->check(CLI::PositiveNumber);
    app.add_option("--seed", o.seed, "random seed (ember::manual_seed)");
    app.add_option("--out", o.out, "directory for pictures and models");
    app.add_option("--data", o.data, "folder with the Fashion-MNIST IDX files");
    app.add_option("--train-size", o.train_size, "use only the first N training images (0: all)");
}

inline Device pick_device(const std::string& name) {
    if (name == "cpu") return Device(kCPU);
    if (name == "cuda") {
        if (!cuda_is_available())
            throw DeviceError("--device cuda: no CUDA device is available (ember built with CUDA: " +
                              std::string(cuda_compiled() ? "yes" : "no") + ")");
        return Device(kCUDA);
    }
    return cuda_is_available() ? Device(kCUDA) : Device(kCPU);
}

struct Split {
    Tensor x;  // float32 [N, 784] in [0, 1]
    Tensor y;  // int64 [N]
};
struct Data {
    Split train, test;
    bool real = true;
};

// Fashion-MNIST from `root`, or a built-in synthetic set of the same shape when it is missing.
inline Data load_data(const CommonOptions& o) {
    Data d;
    data::MNISTSplit tr, te;
    if (data::fashion_mnist_available(o.data)) {
        tr = data::fashion_mnist(o.data, true);
        te = data::fashion_mnist(o.data, false);
    } else {
        std::cerr << "Fashion-MNIST not found in " << o.data
                  << " (install it with: sudo apt-get install dataset-fashion-mnist);\n"
                     "running on the built-in synthetic 28x28 set instead.\n";
        tr = data::synthetic_fashion(12000, o.seed);
        te = data::synthetic_fashion(2000, o.seed + 1);
        d.real = false;
    }
    int64_t n = o.train_size > 0 ? std::min<int64_t>(o.train_size, tr.images.size(0)) : tr.images.size(0);
    d.train = {tr.images.narrow(0, 0, n).reshape({n, -1}).contiguous(), tr.labels.narrow(0, 0, n).contiguous()};
    d.test = {te.images.reshape({te.images.size(0), -1}).contiguous(), te.labels};
    return d;
}

inline void ensure_dir(const std::string& dir) { std::filesystem::create_directories(dir); }

// What every demo does first: start the clock, seed every random stream, pick the device, make the
// output folder and load the data.
struct Setup {
    std::chrono::steady_clock::time_point start;
    Device device;
    Data data;
};
inline Setup setup(const CommonOptions& o) {
    Setup s{std::chrono::steady_clock::now(), Device(kCPU), {}};
    manual_seed(o.seed);
    s.device = pick_device(o.device);
    ensure_dir(o.out);
    s.data = load_data(o);
    return s;
}

// Fraction of rows of x whose argmax of model(x) equals y, in batches without gradients.
template <typename Model>
double accuracy(Model& model, const Tensor& x, const Tensor& y, Device device) {
    NoGradGuard no_grad;
    int64_t correct = 0;
    const int64_t n = x.size(0), bs = 1000;
    for (int64_t s = 0; s < n; s += bs) {
        int64_t len = std::min(bs, n - s);
        Tensor pred = model(x.narrow(0, s, len).to(device)).argmax(1).cpu();
        correct += (pred == y.narrow(0, s, len)).sum().template item<int64_t>();
    }
    return static_cast<double>(correct) / static_cast<double>(n);
}

// ---- training checkpoints (docs/checkpoints.md) ----
// --checkpoint-every N writes a checkpoint (model, optimizer, loop position, generator state) to
// --checkpoint PATH after every N-th batch of the run; --resume PATH continues the run saved there
// (the same command line otherwise), ending where the uninterrupted run would have ended.
struct CheckpointOptions {
    int64_t every = 0;   // batches between checkpoints; 0: none
    std::string path;    // where they go; empty: <out>/checkpoint.safetensors
    std::string resume;  // a checkpoint to continue from; empty: start afresh
    // In a distributed run only rank 0 writes (writer = rank() == 0) and the world size is checked
    // on resume.
    bool writer = true;
    int64_t world_size = 1;

    bool resuming() const { return !resume.empty(); }
    // Writes the checkpoint when batch number `done` (counted from the start of the run) is due.
    void after_batch(int64_t done, const nn::Module& model, const optim::Optimizer& optimizer,
                     TrainingState state) const {
        if (every <= 0 || done % every != 0 || !writer) return;
        state.world_size = world_size;
        save_checkpoint(path, model, optimizer, state);
    }
};

inline void add_checkpoint_options(CLI::App& app, CheckpointOptions& c) {
    app.add_option("--checkpoint-every", c.every, "write a training checkpoint every N batches (0: never)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--checkpoint", c.path, "where --checkpoint-every writes (default <out>/checkpoint.safetensors)");
    app.add_option("--resume", c.resume, "continue the run saved in this checkpoint");
}
// The default path, once --out is known.
inline void resolve_checkpoint_path(CheckpointOptions& c, const CommonOptions& o) {
    if (c.path.empty()) c.path = o.out + "/checkpoint.safetensors";
}

// Trains a classifier with Adam on cross-entropy, the learning rate decaying by `gamma` per epoch
// (so the last epochs settle instead of jumping around); returns the test accuracy after each epoch.
inline std::vector<double> train_classifier(nn::Sequential& model, const Data& d, int64_t epochs, double lr,
                                            Device device, const std::string& label, uint64_t seed, double gamma = 0.85,
                                            const CheckpointOptions& ckpt = {}) {
    optim::Adam opt(model->parameters(), optim::AdamOptions(lr));
    // Chainable: each step multiplies the optimizer's current rate, which a checkpoint restores.
    optim::ExponentialLR schedule(opt, gamma);
    auto ds = std::make_shared<data::TensorDataset>(d.train.x, d.train.y);
    data::DataLoader loader(ds, data::DataLoaderOptions().batch_size(128).shuffle(true).seed(seed));
    std::vector<double> acc;
    TrainingState resumed;
    int64_t first_epoch = 1;
    if (ckpt.resuming()) {
        resumed = load_checkpoint(ckpt.resume, model, opt, ckpt.world_size);
        first_epoch = resumed.epoch;
        EMBER_ENFORCE(first_epoch >= 1 && first_epoch <= epochs, ValueError, "--resume ", ckpt.resume,
                      ": the checkpoint is in epoch ", first_epoch, ", this run has ", epochs, " epochs");
        if (resumed.extra.count("accuracy")) acc = resumed.extra.at("accuracy").to_vector<double>();
        std::cerr << label << ": resuming epoch " << first_epoch << " after batch " << resumed.step << "\n";
    }
    for (int64_t e = first_epoch; e <= epochs; ++e) {
        model->train();
        data::ProgressBar bar(loader.size(), label + " epoch " + std::to_string(e) + "/" + std::to_string(epochs),
                              &std::cerr, "batches");
        loader.set_epoch(e - 1);  // epoch e's order is a function of (seed, e - 1)
        TrainingState where;
        where.epoch = e;
        where.order = tensor(loader.epoch_order(e - 1));
        where.extra["accuracy"] = tensor(acc, dtype(kFloat64));
        auto it = loader.begin();
        int64_t step = 0;
        if (ckpt.resuming() && e == first_epoch) {
            EMBER_ENFORCE(resumed.order.defined() && resumed.order.equal(where.order), ValueError, "--resume ",
                          ckpt.resume, ": the checkpoint's epoch order is not this run's (another --seed or data?)");
            for (; step < resumed.step; ++step) ++it;  // a batch is gathered only when dereferenced
            bar.update(step);
            set_rng_state(resumed.rng_state);  // dropout draws on as the interrupted run drew
        }
        for (; it != loader.end(); ++it) {
            Tensor logits = model(it->data.to(device));
            Tensor loss = nn::functional::cross_entropy(logits, it->target.to(device));
            opt.zero_grad();
            loss.backward();
            opt.step();
            bar.update(1, {{"loss", loss.item<double>()}});
            where.step = ++step;
            ckpt.after_batch((e - 1) * loader.size() + step, *model, opt, where);
        }
        bar.finish();
        schedule.step();
        model->eval();
        acc.push_back(accuracy(model, d.test.x, d.test.y, device));
        std::cout << label << " epoch " << e << ": test accuracy " << std::fixed << std::setprecision(4) << acc.back()
                  << std::endl;
    }
    return acc;
}

// Rows of `w` (each a 28x28 filter) scaled to [0, 1] one by one, for a picture.
inline Tensor normalize_rows(const Tensor& w) {
    NoGradGuard g;
    Tensor lo = w.amin({1}, true), hi = w.amax({1}, true);
    return (w - lo) / (hi - lo + 1e-8);
}

// A tiny JSON writer for the closing line: {"key": value, ...}.
class Json {
public:
    Json& add(const std::string& k, double v) {
        sep();
        os_ << '"' << k << "\": " << std::setprecision(6) << v;
        return *this;
    }
    Json& add(const std::string& k, const std::string& v) {
        sep();
        os_ << '"' << k << "\": \"" << v << '"';
        return *this;
    }
    Json& add(const std::string& k, const std::vector<double>& v) {
        sep();
        os_ << '"' << k << "\": [";
        for (std::size_t i = 0; i < v.size(); ++i) os_ << (i ? ", " : "") << std::setprecision(6) << v[i];
        os_ << ']';
        return *this;
    }
    std::string str() const { return "{" + os_.str() + "}"; }

private:
    void sep() {
        if (!first_) os_ << ", ";
        first_ = false;
    }
    std::ostringstream os_;
    bool first_ = true;
};

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// ---- --distributed: data-parallel training over MPI (docs/distributed.md) ----
// Run as  OMP_NUM_THREADS=1 mpirun -np 2 ./rbm_fashion_mnist --distributed  (add --allow-run-as-root
// as root and --oversubscribe for more ranks than cores). Every rank loads the same data and
// trains its shard of each batch (RBMs through RBMTrainOptions::process_group, the autograd demos
// through DistributedDataParallel, examples/ddp.h); only rank 0 prints and writes files.
struct Distributed {
    bool enabled = false;
    int rank = 0, world = 1;
    bool is_main() const { return rank == 0; }
    // The group for RBMTrainOptions::process_group (null without --distributed).
    std::shared_ptr<distributed::ProcessGroup> group() const {
        return enabled ? distributed::get_default_group() : nullptr;
    }
    Distributed() = default;
    Distributed(const Distributed&) = delete;
    Distributed& operator=(const Distributed&) = delete;
    ~Distributed() {
        if (enabled && distributed::is_initialized()) distributed::destroy_process_group();
    }
};
inline void add_distributed(CLI::App& app, bool& flag) {
    app.add_flag("--distributed", flag, "data-parallel training over MPI (under mpirun -np N; rank 0 reports)");
}
inline void start_distributed(Distributed& d, bool flag) {
    if (!flag) return;
    distributed::init_process_group("mpi");
    d.enabled = true;
    d.rank = distributed::rank();
    d.world = distributed::world_size();
}

}  // namespace demo
