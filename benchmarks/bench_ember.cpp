// ember's side of the benchmark suite (see benchmarks/README.md). One workload, one repetition per
// process:   bench_ember WORKLOAD [key=value ...]
// Workloads: gemm (n, iters), mlp (batch, warmup, steps), rbm (rows, warmup_rows, hidden, batch),
// lenet (batch, warmup, steps), resblock (batch, channels, size, warmup, steps),
// fcn5 (batch, warmup, steps), overhead (n, chain, rounds). bench_torch.cpp is the same program
// written against libtorch; keep the two in step.
#include <omp.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench_common.h"
#include "cpu/gemm.h"
#include "ember/ember.h"

using namespace ember;
using bench::Args;
using bench::Result;

namespace {

Result result(const std::string& name, const std::string& unit, int threads) {
    Result r;
    r.side = "ember";
    r.name = name;
    r.unit = unit;
    r.threads = threads;
    return r;
}

// float32 C = A B, square, row-major, through ember's GEMM kernel (what ember::mm calls) into a
// preallocated C, as cblas_sgemm is called on the OpenBLAS side.
void gemm(const Args& a, int threads) {
    bench::GemmProblem p = bench::gemm_problem(a);
    const long n = p.n, iters = p.iters;
    std::vector<float>& A = p.A;
    std::vector<float>& B = p.B;
    std::vector<float>& C = p.C;
    auto run = [&] { cpu::gemm(false, false, n, n, n, 1.f, A.data(), n, B.data(), n, 0.f, C.data(), n); };
    run();  // warm-up: thread pool, packing buffers, caches
    Result r = result("gemm_n" + std::to_string(n), "GFLOP/s", threads);
    r.higher_is_better = true;
    const double flops = 2.0 * n * n * n;
    for (long i = 0; i < iters; ++i) r.samples.push_back(flops / bench::time_once(run) * 1e-9);
    r.value = bench::median(r.samples);
    r.add("n", std::to_string(n)).add("kernel", cpu::gemm_kernel_name());
    r.print();
}

// One SGD-with-momentum training step of 784-1024-1024-10 (ReLU, cross-entropy) on a fixed batch.
void mlp(const Args& a, int threads) {
    const long batch = a.get_int("batch", 128), warmup = a.get_int("warmup", 10), steps = a.get_int("steps", 50);
    manual_seed(1);
    nn::Sequential model(nn::Linear(784, 1024), nn::ReLU(), nn::Linear(1024, 1024), nn::ReLU(), nn::Linear(1024, 10));
    optim::SGD opt(model->parameters(), optim::SGDOptions(0.01).momentum(0.9));
    Tensor x = rand({batch, 784});
    Tensor y = randint(0, 10, {batch});
    auto step = [&] {
        opt.zero_grad();
        Tensor loss = nn::functional::cross_entropy(model(x), y);
        loss.backward();
        opt.step();
    };
    Result r = result("mlp", "ms/step", threads);
    bench::time_steps(r, warmup, steps, step, 1e3);
    r.add("batch", std::to_string(batch)).add("steps", std::to_string(steps));
    r.print();
}

// One CD-1 epoch of nn::RBM::fit (784 visible, 500 hidden, batch 100) over the Fashion-MNIST
// training images, or random binary data of the same shape when they are not installed.
void rbm(const Args& a, int threads) {
    const long rows = a.get_int("rows", 0), warmup_rows = a.get_int("warmup_rows", 1000);
    const long hidden = a.get_int("hidden", 500), batch = a.get_int("batch", 100);
    const std::string root = a.get("data", data::kFashionMnistRoot);
    manual_seed(1);
    Tensor X;
    std::string source;
    if (data::fashion_mnist_available(root)) {
        Tensor img = data::fashion_mnist(root, true).images;
        X = img.reshape({img.size(0), -1}).contiguous();
        source = "fashion-mnist";
    } else {
        X = bernoulli(full({60000, 784}, 0.5));
        source = "random-binary";
    }
    if (rows > 0 && rows < X.size(0)) X = X.narrow(0, 0, rows).contiguous();
    nn::RBMTrainOptions o;
    o.epochs = 1;
    o.batch_size = batch;
    o.k = 1;
    o.persistent = false;
    o.lr = 0.1;
    o.momentum = 0.5;
    o.weight_decay = 2e-4;
    o.progress = false;
    {  // warm-up on a few batches with a throw-away model
        nn::RBM warm(784, hidden);
        warm->fit(X.narrow(0, 0, std::min<long>(warmup_rows, X.size(0))), o);
    }
    nn::RBM model(784, hidden);
    Result r = result("rbm", "s/epoch", threads);
    std::vector<nn::RBMEpoch> history;
    double s = bench::time_once([&] { history = model->fit(X, o); });
    r.samples.push_back(s);
    r.value = s;
    r.add("reconstruction_error", std::to_string(history.at(0).reconstruction_error));
    r.add("data", source).add("rows", std::to_string(X.size(0))).add("hidden", std::to_string(hidden));
    r.print();
}

// One SGD (momentum 0.9) training step of FCN-5: 26752-2048-2048-2048-26752, sigmoid, softmax cross-entropy.
void fcn5(const Args& a, int threads) {
    const long batch = a.get_int("batch", 64), warmup = a.get_int("warmup", 1), steps = a.get_int("steps", 3);
    const long io = 26752, h = 2048;
    manual_seed(1);
    nn::Sequential model(nn::Linear(io, h), nn::Sigmoid(), nn::Linear(h, h), nn::Sigmoid(), nn::Linear(h, h),
                         nn::Sigmoid(), nn::Linear(h, io));
    optim::SGD opt(model->parameters(), optim::SGDOptions(0.01).momentum(0.9));
    Tensor x = rand({batch, io});
    Tensor y = randint(0, io, {batch});
    auto step = [&] {
        opt.zero_grad();
        Tensor loss = nn::functional::cross_entropy(model(x), y);
        loss.backward();
        opt.step();
    };
    Result r = result("fcn5", "s/step", threads);
    bench::time_steps(r, warmup, steps, step, 1);
    r.add("batch", std::to_string(batch)).add("steps", std::to_string(steps));
    r.print();
}

// A LeNet-5-style training step at batch `batch` on 28x28 single-channel images: conv 5x5 (6,
// padding 2), ReLU, max-pool 2, conv 5x5 (16), ReLU, max-pool 2, 400-120-84-10 with ReLU,
// cross-entropy, SGD with momentum 0.9.
void lenet(const Args& a, int threads) {
    const long batch = a.get_int("batch", 64), warmup = a.get_int("warmup", 5), steps = a.get_int("steps", 30);
    ember::manual_seed(1);
    ember::nn::Sequential model(ember::nn::Conv2d(ember::nn::Conv2dOptions(1, 6, 5).padding(2)), ember::nn::ReLU(),
                                ember::nn::MaxPool2d(2), ember::nn::Conv2d(6, 16, 5), ember::nn::ReLU(),
                                ember::nn::MaxPool2d(2), ember::nn::Flatten(), ember::nn::Linear(400, 120),
                                ember::nn::ReLU(), ember::nn::Linear(120, 84), ember::nn::ReLU(),
                                ember::nn::Linear(84, 10));
    auto params = model->parameters();
    ember::optim::SGD opt(params, ember::optim::SGDOptions(0.01).momentum(0.9));
    auto x = ember::rand({batch, 1, 28, 28});
    auto y = ember::randint(0, 10, {batch}, ember::kInt64);
    auto step = [&] {
        opt.zero_grad();
        auto loss = ember::nn::functional::cross_entropy(model->forward(x), y);
        loss.backward();
        opt.step();
    };
    Result r = result("lenet", "ms/step", threads);
    bench::time_steps(r, warmup, steps, step, 1e3);
    r.add("batch", std::to_string(batch)).add("steps", std::to_string(steps));
    r.print();
}

// A ResNet basic block (He et al. 2016) at `channels` x `size` x `size`, batch `batch`: conv 3x3,
// BatchNorm, ReLU, conv 3x3, BatchNorm, + the input, ReLU; one forward and backward (training mode).
void resblock(const Args& a, int threads) {
    const long batch = a.get_int("batch", 16), c = a.get_int("channels", 64), size = a.get_int("size", 56);
    const long warmup = a.get_int("warmup", 2), steps = a.get_int("steps", 10);
    ember::manual_seed(1);
    ember::nn::Conv2d conv1(ember::nn::Conv2dOptions(c, c, 3).padding(1).bias(false));
    ember::nn::Conv2d conv2(ember::nn::Conv2dOptions(c, c, 3).padding(1).bias(false));
    ember::nn::BatchNorm2d bn1(c), bn2(c);
    auto x = ember::randn({batch, c, size, size}).requires_grad_();
    std::vector<ember::Tensor> leaves{conv1->weight, conv2->weight, bn1->weight, bn1->bias, bn2->weight, bn2->bias, x};
    auto step = [&] {
        for (auto& p : leaves) p.set_grad(ember::Tensor());
        auto h = ember::relu(bn1->forward(conv1->forward(x)));
        auto out = ember::relu(bn2->forward(conv2->forward(h)) + x);
        out.sum().backward();
    };
    Result r = result("resblock", "ms/step", threads);
    bench::time_steps(r, warmup, steps, step, 1e3);
    r.add("batch", std::to_string(batch)).add("channels", std::to_string(c)).add("size", std::to_string(size));
    r.print();
}

// Framework overhead on one-element tensors, in ns per op:
//   overhead_add:      c = a + b, neither requires grad (nothing recorded)
//   overhead_record:   x = x + b along a chain of `chain` ops with x requiring grad (one node each)
//   overhead_backward: backward() through that chain, divided by its length
void overhead(const Args& a, int threads) {
    const long n = a.get_int("n", 200000), chain = a.get_int("chain", 10000), rounds = a.get_int("rounds", 7);
    Tensor p = ones({1}), q = full({1}, 2.0);
    Tensor sink;
    auto adds = [&] {
        for (long i = 0; i < n; ++i) sink = p + q;
    };
    adds();  // warm-up
    Result ra = result("overhead_add", "ns/op", threads);
    for (long r = 0; r < rounds; ++r) ra.samples.push_back(bench::time_once(adds) * 1e9 / double(n));

    Result rr = result("overhead_record", "ns/op", threads), rb = result("overhead_backward", "ns/op", threads);
    for (long r = 0; r <= rounds; ++r) {  // round 0 is the warm-up
        Tensor x0 = ones({1});
        x0.requires_grad_();
        Tensor x = x0;
        double tr = bench::time_once([&] {
            for (long i = 0; i < chain; ++i) x = x + q;
        });
        double tb = bench::time_once([&] { x.backward(); });
        if (x0.grad().item<double>() != 1.0) std::fprintf(stderr, "overhead: wrong gradient\n");
        x = Tensor();
        if (r == 0) continue;
        rr.samples.push_back(tr * 1e9 / double(chain));
        rb.samples.push_back(tb * 1e9 / double(chain));
    }
    for (Result* r : {&ra, &rr, &rb}) {
        r->value = bench::median(r->samples);
        r->add("n", std::to_string(r == &ra ? n : chain));
        r->print();
    }
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_ember gemm|mlp|rbm|fcn5|lenet|resblock|overhead [key=value ...]\n");
        return 2;
    }
    const std::string w = argv[1];
    Args a(argc, argv, 2);
    const int threads = bench::requested_threads(a);
    omp_set_num_threads(threads);
    if (w == "gemm")
        gemm(a, threads);
    else if (w == "mlp")
        mlp(a, threads);
    else if (w == "rbm")
        rbm(a, threads);
    else if (w == "fcn5")
        fcn5(a, threads);
    else if (w == "lenet")
        lenet(a, threads);
    else if (w == "resblock")
        resblock(a, threads);
    else if (w == "overhead")
        overhead(a, threads);
    else {
        std::fprintf(stderr, "bench_ember: unknown workload '%s'\n", w.c_str());
        return 2;
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_ember: %s\n", e.what());
    return 1;
}
