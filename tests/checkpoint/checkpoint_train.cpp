// A small training run for the crash test (crash_resume.sh): an MLP with dropout, trained by Adam
// on a generated data set through a shuffling loader, so that the model, the optimizer's moments,
// the loader's position and the global generator (dropout masks, and with --loader torch the
// epoch's permutation) must all come back for a resumed run to end where an uninterrupted run
// ends. It writes the final parameters to --out; the driver compares those files byte for byte.
//
//   checkpoint_train --loader ember|torch --out FINAL [--checkpoint PATH --checkpoint-every N]
//                    [--resume] [--kill-at-step K] [--skip-rng-restore]
//
// --kill-at-step K: SIGKILL itself after the K-th batch of the run (counted over all epochs), the
// way a crash or an out-of-memory kill ends a job: no destructor, no flush. --skip-rng-restore: a
// deliberately wrong resume (the generator is not set back), which must NOT match, showing that
// the test can see a wrong random stream.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

#include "ember/ember.h"

using namespace ember;

namespace {

struct Args {
    std::string loader = "ember", out, checkpoint;
    int64_t every = 0, kill_at = -1;
    bool resume = false, skip_rng_restore = false;
};

Args parse(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string f = argv[i];
        auto value = [&]() -> std::string {
            EMBER_ENFORCE(i + 1 < argc, ValueError, f, " needs a value");
            return argv[++i];
        };
        if (f == "--loader")
            a.loader = value();
        else if (f == "--out")
            a.out = value();
        else if (f == "--checkpoint")
            a.checkpoint = value();
        else if (f == "--checkpoint-every")
            a.every = std::stoll(value());
        else if (f == "--kill-at-step")
            a.kill_at = std::stoll(value());
        else if (f == "--resume")
            a.resume = true;
        else if (f == "--skip-rng-restore")
            a.skip_rng_restore = true;
        else
            throw ValueError("unknown flag " + f);
    }
    EMBER_ENFORCE(!a.out.empty() && (a.loader == "ember" || a.loader == "torch"), ValueError,
                  "usage: checkpoint_train --loader ember|torch --out FINAL [...]");
    return a;
}

constexpr int64_t kEpochs = 3, kBatch = 16, kExamples = 200;  // 13 batches an epoch, the last partial

// libtorch's way to a labelled data set: a Dataset subclass returning Examples.
struct Points : data::datasets::Dataset<Points> {
    Points(Tensor x, Tensor y) : x(std::move(x)), y(std::move(y)) {}
    data::Example<> get(size_t i) override { return {x[static_cast<int64_t>(i)], y[static_cast<int64_t>(i)]}; }
    optional<size_t> size() const override { return static_cast<size_t>(x.size(0)); }
    Tensor x, y;
};

// One run: the loop a user writes, with the checkpoint's three extra moves (record, restore,
// skip) marked.
struct Run {
    Args a;
    nn::Sequential model{nn::Linear(8, 32), nn::ReLU(), nn::Dropout(0.3), nn::Linear(32, 3)};
    optim::Adam opt{model->parameters(), optim::AdamOptions(1e-2)};
    TrainingState resumed;  // epoch -1 when starting afresh
    int64_t done = 0;       // batches of this process, for --kill-at-step

    void train_batch(const Tensor& x, const Tensor& y, int64_t epoch, int64_t step, const TrainingState& where) {
        Tensor loss = nn::functional::cross_entropy(model(x), y);
        opt.zero_grad();
        loss.backward();
        opt.step();
        const int64_t global = epoch * ((kExamples + kBatch - 1) / kBatch) + step;
        if (a.every > 0 && global % a.every == 0) {
            TrainingState s = where;
            s.epoch = epoch;
            s.step = step;
            save_checkpoint(a.checkpoint, model, opt, s);
        }
        if (++done == a.kill_at) std::raise(SIGKILL);
    }

    // Back at the checkpoint's batch: the generator as it was then.
    void restore_rng() {
        if (!a.skip_rng_restore) set_rng_state(resumed.rng_state);
    }

    void with_ember_loader(const Tensor& x, const Tensor& y) {
        data::DataLoader loader(data::TensorDataset(x, y),
                                data::DataLoaderOptions().batch_size(kBatch).shuffle(true).seed(5));
        const int64_t first_epoch = a.resume ? resumed.epoch : 0;
        loader.set_epoch(first_epoch);  // the order of epoch e is a function of (seed, e)
        for (int64_t e = first_epoch; e < kEpochs; ++e) {
            TrainingState where;
            where.order = tensor(loader.epoch_order(e));
            auto it = loader.begin();
            int64_t step = 0;
            if (a.resume && e == first_epoch) {
                EMBER_ENFORCE(resumed.order.defined() && resumed.order.equal(where.order), ValueError,
                              "the checkpoint's epoch order is not this loader's (another seed or data set?)");
                for (; step < resumed.step; ++step) ++it;  // batches are gathered on dereference: free
                restore_rng();
            }
            for (; it != loader.end(); ++it) train_batch(it->data, it->target, e, ++step, where);
        }
    }

    void with_torch_loader(const Tensor& x, const Tensor& y) {
        auto loader = data::make_data_loader(Points(x, y).map(data::transforms::Stack<>()),
                                             data::DataLoaderOptions().batch_size(kBatch));
        const int64_t first_epoch = a.resume ? resumed.epoch : 0;
        for (int64_t e = first_epoch; e < kEpochs; ++e) {
            const bool resuming = a.resume && e == first_epoch;
            // RandomSampler draws each epoch's permutation from the global generator in begin():
            // record the generator before it, so that a resumed run can draw the same one.
            if (resuming) set_rng_state(resumed.epoch_rng_state);
            TrainingState where;
            where.epoch_rng_state = get_rng_state();
            auto it = loader->begin();
            int64_t step = 0;
            if (resuming) {
                for (; step < resumed.step; ++step) ++it;  // fetches and drops the batches done
                restore_rng();
            }
            for (; it != loader->end(); ++it) train_batch(it->data, it->target, e, ++step, where);
        }
    }
};

}  // namespace

int main(int argc, char** argv) try {
    Run run;
    run.a = parse(argc, argv);
    // Data and initial weights come from fixed seeds, the same in every run (a resumed run then
    // overwrites the weights from the checkpoint).
    manual_seed(123);
    Tensor x = randn({kExamples, 8});
    Tensor y = x.narrow(1, 0, 3).argmax(1);
    manual_seed(7);
    run.model->train();
    if (run.a.resume) {
        run.resumed = load_checkpoint(run.a.checkpoint, run.model, run.opt);
        std::cerr << "resuming at epoch " << run.resumed.epoch << ", batch " << run.resumed.step << "\n";
    }
    if (run.a.loader == "ember")
        run.with_ember_loader(x, y);
    else
        run.with_torch_loader(x, y);
    save(run.model, run.a.out);
    return 0;
} catch (const std::exception& e) {
    std::cerr << "checkpoint_train: " << e.what() << "\n";
    return 1;
}
