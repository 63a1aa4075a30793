// A multilayer perceptron on Fashion-MNIST: the lab's end point. 784 -> 256 -> 128 -> 10 with
// ReLU, dropout, cross-entropy and Adam; per-epoch loss and test accuracy with a progress bar.
// The dataset's own benchmark table lists an MLP 256-128-100 at 0.8833 test accuracy.
// Usage: mlp_fashion_mnist [--device cpu|cuda|auto] [--epochs N] [--seed S] [--lr LR]
//                          [--checkpoint-every N [--checkpoint PATH]] [--resume PATH] [--distributed]
// A run killed and resumed with --resume (the same flags otherwise) ends with the same model as an
// uninterrupted run (docs/checkpoints.md). --distributed under mpirun -np N trains data-parallel
// through DistributedDataParallel, the global batch of 128 split over the ranks (examples/ddp.h);
// rank 0 evaluates, prints and writes; --resume is refused there.
#include "common.h"
#include "ddp.h"

using namespace ember;

int main(int argc, char** argv) try {
    CLI::App app{"MLP classifier on Fashion-MNIST"};
    demo::CommonOptions opt;
    opt.epochs = 15;
    opt.out = "out/mlp";
    double lr = 1e-3;
    demo::CheckpointOptions ckpt;
    demo::add_common(app, opt);
    demo::add_checkpoint_options(app, ckpt);
    app.add_option("--lr", lr, "Adam learning rate");
    bool distributed = false;
    demo::add_distributed(app, distributed);
    CLI11_PARSE(app, argc, argv);
    demo::resolve_checkpoint_path(ckpt, opt);

    demo::Distributed dist;
    demo::start_distributed(dist, distributed);
    ckpt.writer = dist.is_main();
    ckpt.world_size = dist.world;

    demo::Setup run = demo::setup(opt);
    const Device device = run.device;
    const demo::Data& d = run.data;

    nn::Sequential model(nn::Linear(784, 256), nn::ReLU(), nn::Dropout(0.2), nn::Linear(256, 128), nn::ReLU(),
                         nn::Dropout(0.2), nn::Linear(128, 10));
    model->to(device);
    if (dist.is_main()) std::cout << model->summary();
    std::vector<double> acc;
    demo::DistributedTraining ddp;
    if (dist.enabled) {
        ddp = demo::train_classifier_distributed(model, d, opt.epochs, lr, device, "mlp", opt.seed, dist, 0.85, ckpt);
        acc = ddp.accuracy;
    } else {
        acc = demo::train_classifier(model, d, opt.epochs, lr, device, "mlp", opt.seed, 0.85, ckpt);
    }
    if (!dist.is_main()) return 0;  // the parameters are rank 0's too; rank 0 writes and reports
    save(model, opt.out + "/mlp.safetensors");
    demo::Json json;
    json.add("example", "mlp_fashion_mnist")
        .add("data", d.real ? "fashion-mnist" : "synthetic")
        .add("device", device.str())
        .add("epochs", static_cast<double>(opt.epochs))
        .add("test_accuracy", acc.back())
        .add("accuracy_per_epoch", acc);
    if (dist.enabled)
        demo::add_distributed_json(json, dist, static_cast<double>(ddp.examples_per_rank) / ddp.train_seconds,
                                   ddp.cost);
    std::cout << json.add("seconds", demo::seconds_since(run.start)).str() << std::endl;
    return 0;
} catch (const std::exception& e) {
    std::cerr << "mlp_fashion_mnist: " << e.what() << "\n";
    return 1;
}
