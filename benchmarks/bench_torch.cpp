// libtorch's side of the benchmark suite: the same workloads as bench_ember.cpp, written as a
// libtorch user would write them. One workload, one repetition per process:
//   bench_torch mlp|rbm|fcn5|lenet|resblock|overhead [key=value ...]
// Built only when find_package(Torch) succeeds (Debian's libtorch-dev 1.13 here).
#include <torch/torch.h>
#include <torch/version.h>
#include <zlib.h>

#include <cstdio>
#include <string>
#include <vector>

#include "bench_common.h"

using bench::Args;
using bench::Result;

namespace {

Result result(const std::string& name, const std::string& unit, int threads) {
    Result r;
    r.side = "libtorch";
    r.name = name;
    r.unit = unit;
    r.threads = threads;
    r.add("version", TORCH_VERSION);
    return r;
}

// libtorch 1.13's Optimizer::zero_grad() zeroes the gradients in place; PyTorch 2's default (and
// ember's) drops them so the next backward writes fresh ones, which saves a pass over every
// gradient. Give libtorch that cheaper behaviour.
void drop_grads(const std::vector<torch::Tensor>& params) {
    for (const auto& p : params) p.mutable_grad() = torch::Tensor();
}

void mlp(const Args& a, int threads) {
    const long batch = a.get_int("batch", 128), warmup = a.get_int("warmup", 10), steps = a.get_int("steps", 50);
    torch::manual_seed(1);
    torch::nn::Sequential model(torch::nn::Linear(784, 1024), torch::nn::ReLU(), torch::nn::Linear(1024, 1024),
                                torch::nn::ReLU(), torch::nn::Linear(1024, 10));
    auto params = model->parameters();
    torch::optim::SGD opt(params, torch::optim::SGDOptions(0.01).momentum(0.9));
    auto x = torch::rand({batch, 784});
    auto y = torch::randint(0, 10, {batch}, torch::kLong);
    auto step = [&] {
        drop_grads(params);
        auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
        loss.backward();
        opt.step();
    };
    Result r = result("mlp", "ms/step", threads);
    bench::time_steps(r, warmup, steps, step, 1e3);
    r.add("batch", std::to_string(batch)).add("steps", std::to_string(steps));
    r.print();
}

std::vector<unsigned char> gunzip(const std::string& path) {
    std::vector<unsigned char> out;
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) return out;
    unsigned char buf[1 << 16];
    int got;
    while ((got = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + got);
    gzclose(f);
    return out;
}

// CD-1 for a Bernoulli RBM, the algorithm of ember's nn::RBM::fit written directly in libtorch:
// per mini-batch (rows of a random permutation)
//   p(h|v0), h0 ~ p(h|v0), p(v|h0), v1 ~ p(v|h0), p(h|v1)
//   dW = (p(h|v1)^T v1 - p(h|v0)^T v0) / N + weight_decay W,  db = mean(v1 - v0),  dc = mean(p(h|v1) - p(h|v0))
//   velocity = momentum velocity + d;  param -= lr velocity          (PyTorch's SGD momentum)
// plus the batch's reconstruction error sum (v0 - p(v|p(h|v0)))^2, which fit() also reports (like fit(),
// with p(h|v0) from before the update and W, b from after it).
// The visible bias starts at log(p / (1 - p)) of the pixel means, W ~ N(0, 0.01^2), c = 0.
struct TorchRBM {
    torch::Tensor W, b, c, vW, vb, vc;
    TorchRBM(long n_visible, long n_hidden) {
        W = torch::randn({n_hidden, n_visible}) * 0.01;
        b = torch::zeros({n_visible});
        c = torch::zeros({n_hidden});
        vW = torch::zeros_like(W);
        vb = torch::zeros_like(b);
        vc = torch::zeros_like(c);
    }
    double epoch(const torch::Tensor& X, long batch, double lr, double momentum, double weight_decay) {
        torch::NoGradGuard no_grad;
        auto p = X.mean(0).clamp(1e-3, 1 - 1e-3);
        b.copy_(torch::log(p / (1 - p)));
        const long n = X.size(0);
        auto perm = torch::randperm(n, torch::kLong);
        double err_sum = 0;
        for (long start = 0; start < n; start += batch) {
            const long len = std::min(batch, n - start);
            auto v0 = X.index_select(0, perm.narrow(0, start, len));
            auto h0p = torch::sigmoid(torch::addmm(c, v0, W.t()));
            auto h0 = torch::bernoulli(h0p);
            auto v1 = torch::bernoulli(torch::sigmoid(torch::addmm(b, h0, W)));
            auto h1p = torch::sigmoid(torch::addmm(c, v1, W.t()));
            auto d = v0 - torch::sigmoid(torch::addmm(b, h0p, W));  // as fit(): the model before the update
            err_sum += (d * d).sum(1).mean().item<double>() * double(len);
            auto gW = torch::mm(h1p.t(), v1).sub_(torch::mm(h0p.t(), v0)).div_(double(len)).add_(W, weight_decay);
            auto gb = (v1 - v0).mean(0);
            auto gc = (h1p - h0p).mean(0);
            vW.mul_(momentum).add_(gW);
            vb.mul_(momentum).add_(gb);
            vc.mul_(momentum).add_(gc);
            W.sub_(vW, lr);
            b.sub_(vb, lr);
            c.sub_(vc, lr);
        }
        return err_sum / double(n);
    }
};

void rbm(const Args& a, int threads) {
    const long rows = a.get_int("rows", 0), warmup_rows = a.get_int("warmup_rows", 1000);
    const long hidden = a.get_int("hidden", 500), batch = a.get_int("batch", 100);
    const std::string root = a.get("data", "/usr/share/datasets/fashion-mnist");
    torch::manual_seed(1);
    long r_rows = 0, r_cols = 0;
    auto bytes = bench::read_idx_images(root, gunzip, r_rows, r_cols);
    torch::Tensor X;
    std::string source;
    if (!bytes.empty()) {
        X = torch::from_blob(bytes.data(), {r_rows, r_cols}, torch::kUInt8).to(torch::kFloat32).div_(255.0);
        source = "fashion-mnist";
    } else {
        X = torch::bernoulli(torch::full({60000, 784}, 0.5));
        source = "random-binary";
    }
    bytes = {};
    bytes.shrink_to_fit();
    if (rows > 0 && rows < X.size(0)) X = X.narrow(0, 0, rows).contiguous();
    {
        TorchRBM warm(784, hidden);
        warm.epoch(X.narrow(0, 0, std::min<long>(warmup_rows, X.size(0))), batch, 0.1, 0.5, 2e-4);
    }
    TorchRBM model(784, hidden);
    Result r = result("rbm", "s/epoch", threads);
    double err = 0;
    double s = bench::time_once([&] { err = model.epoch(X, batch, 0.1, 0.5, 2e-4); });
    r.samples.push_back(s);
    r.value = s;
    r.add("reconstruction_error", std::to_string(err));
    r.add("data", source).add("rows", std::to_string(X.size(0))).add("hidden", std::to_string(hidden));
    r.print();
}

void fcn5(const Args& a, int threads) {
    const long batch = a.get_int("batch", 64), warmup = a.get_int("warmup", 1), steps = a.get_int("steps", 3);
    const long io = 26752, h = 2048;
    torch::manual_seed(1);
    torch::nn::Sequential model(torch::nn::Linear(io, h), torch::nn::Sigmoid(), torch::nn::Linear(h, h),
                                torch::nn::Sigmoid(), torch::nn::Linear(h, h), torch::nn::Sigmoid(),
                                torch::nn::Linear(h, io));
    auto params = model->parameters();
    torch::optim::SGD opt(params, torch::optim::SGDOptions(0.01).momentum(0.9));
    auto x = torch::rand({batch, io});
    auto y = torch::randint(0, io, {batch}, torch::kLong);
    auto step = [&] {
        drop_grads(params);
        auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
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
    torch::manual_seed(1);
    torch::nn::Sequential model(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 6, 5).padding(2)), torch::nn::ReLU(),
                                torch::nn::MaxPool2d(2), torch::nn::Conv2d(6, 16, 5), torch::nn::ReLU(),
                                torch::nn::MaxPool2d(2), torch::nn::Flatten(), torch::nn::Linear(400, 120),
                                torch::nn::ReLU(), torch::nn::Linear(120, 84), torch::nn::ReLU(),
                                torch::nn::Linear(84, 10));
    auto params = model->parameters();
    torch::optim::SGD opt(params, torch::optim::SGDOptions(0.01).momentum(0.9));
    auto x = torch::rand({batch, 1, 28, 28});
    auto y = torch::randint(0, 10, {batch}, torch::kInt64);
    auto step = [&] {
        drop_grads(params);
        auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
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
    torch::manual_seed(1);
    torch::nn::Conv2d conv1(torch::nn::Conv2dOptions(c, c, 3).padding(1).bias(false));
    torch::nn::Conv2d conv2(torch::nn::Conv2dOptions(c, c, 3).padding(1).bias(false));
    torch::nn::BatchNorm2d bn1(c), bn2(c);
    auto x = torch::randn({batch, c, size, size}).requires_grad_();
    std::vector<torch::Tensor> leaves{conv1->weight, conv2->weight, bn1->weight, bn1->bias, bn2->weight, bn2->bias, x};
    auto step = [&] {
        drop_grads(leaves);
        auto h = torch::relu(bn1->forward(conv1->forward(x)));
        auto out = torch::relu(bn2->forward(conv2->forward(h)) + x);
        out.sum().backward();
    };
    Result r = result("resblock", "ms/step", threads);
    bench::time_steps(r, warmup, steps, step, 1e3);
    r.add("batch", std::to_string(batch)).add("channels", std::to_string(c)).add("size", std::to_string(size));
    r.print();
}

void overhead(const Args& a, int threads) {
    const long n = a.get_int("n", 200000), chain = a.get_int("chain", 10000), rounds = a.get_int("rounds", 7);
    auto p = torch::ones({1}), q = torch::full({1}, 2.0);
    torch::Tensor sink;
    auto adds = [&] {
        for (long i = 0; i < n; ++i) sink = p + q;
    };
    adds();
    Result ra = result("overhead_add", "ns/op", threads);
    for (long r = 0; r < rounds; ++r) ra.samples.push_back(bench::time_once(adds) * 1e9 / double(n));

    Result rr = result("overhead_record", "ns/op", threads), rb = result("overhead_backward", "ns/op", threads);
    for (long r = 0; r <= rounds; ++r) {
        auto x0 = torch::ones({1}).requires_grad_();
        torch::Tensor x = x0;
        double tr = bench::time_once([&] {
            for (long i = 0; i < chain; ++i) x = x + q;
        });
        double tb = bench::time_once([&] { x.backward(); });
        if (x0.grad().item<double>() != 1.0) std::fprintf(stderr, "overhead: wrong gradient\n");
        x = torch::Tensor();
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
        std::fprintf(stderr, "usage: bench_torch mlp|rbm|fcn5|overhead [key=value ...]\n");
        return 2;
    }
    const std::string w = argv[1];
    Args a(argc, argv, 2);
    const int threads = bench::requested_threads(a);
    torch::set_num_threads(threads);
    if (w == "mlp")
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
        std::fprintf(stderr, "bench_torch: unknown workload '%s'\n", w.c_str());
        return 2;
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_torch: %s\n", e.what());
    return 1;
}
