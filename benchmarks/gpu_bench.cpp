// ember's side of the GPU benchmarks against PyTorch (benchmarks/gpu_bench_torch.py runs the same
// workloads with torch on the same GPU; scripts/gpu_check.sh runs both and compares).
//
//   gpu_bench OUT.json [--quick]
//
// Workloads (all on cuda:0, float32, TF32 off unless the name says otherwise):
//   rbm_cd1_epoch      seconds per epoch of CD-1 on 60000 x 784 binary data, 500 hidden units,
//                      batch 100 (RBM::fit: momentum, weight decay, metrics read once per epoch)
//   mlp_step           milliseconds per training step of an MLP 784-1024-1024-10 (ReLU),
//                      batch 128, cross-entropy, SGD with momentum
//   matmul_f32_4096    milliseconds per 4096 x 4096 x 4096 float32 product (and TFLOP/s);
//                      matmul_tf32_4096 the same with set_allow_tf32(true)
//   op_overhead_fwd    microseconds per 1-element op recorded for autograd (a chain of multiplies)
//   op_overhead_bwd    microseconds per op of the backward pass through that chain
// Each workload runs once untimed (cuBLAS and allocator warm-up), then is timed with a device
// synchronisation at both ends. Results: {"side": "ember", "device": ..., "results": [{"name",
// "value", "unit", ...}]}.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cuda/memory.h"
#include "ember/ember.h"

using namespace ember;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Result {
    std::string name;
    double value;
    std::string unit;
    std::string extra;  // more JSON members, already formatted (", \"k\": v")
};

void sync() { cuda::synchronize(); }

const Device kGpu(kCUDA, 0);

// ---- RBM CD-1 epoch ----
Result rbm_epoch(bool quick) {
    const int64_t n = quick ? 6000 : 60000, nv = 784, nh = 500;
    manual_seed(1);
    // Binary "images": per-pixel probabilities from a smooth pattern, sampled once.
    Tensor p = (sigmoid(randn({1, nv}, device(kGpu)) * 2.0)).expand({n, nv}).contiguous();
    Tensor data = bernoulli(p);
    nn::RBM rbm(nn::RBMOptions(nv, nh));
    rbm->to(kGpu);
    nn::RBMTrainOptions o;
    o.epochs = 1;
    o.batch_size = 100;
    o.k = 1;
    o.lr = 0.1;
    o.momentum = 0.5;
    o.weight_decay = 2e-4;
    o.progress = false;
    rbm->fit(data, o);  // warm-up
    const int reps = quick ? 1 : 2;
    sync();
    auto t0 = Clock::now();
    double err = 0;
    for (int r = 0; r < reps; ++r) err = rbm->fit(data, o).back().reconstruction_error;
    sync();
    const double s = seconds_since(t0) / reps;
    std::ostringstream extra;
    extra << ", \"examples\": " << n << ", \"reconstruction_error\": " << err;
    return {"rbm_cd1_epoch", s, "s", extra.str()};
}

// ---- MLP training step ----
Result mlp_step(bool quick) {
    manual_seed(2);
    nn::Sequential net(nn::Linear(784, 1024), nn::ReLU(), nn::Linear(1024, 1024), nn::ReLU(), nn::Linear(1024, 10));
    net->to(kGpu);
    optim::SGD opt(net->parameters(), optim::SGDOptions(0.01).momentum(0.9));
    const int64_t batch = 128, nb = 8;
    std::vector<Tensor> xs, ys;
    for (int64_t i = 0; i < nb; ++i) {
        xs.push_back(rand({batch, 784}, device(kGpu)));
        ys.push_back(randint(0, 10, {batch}, TensorOptions().dtype(kInt64).device(kGpu)));
    }
    auto step = [&](int64_t i) {
        opt.zero_grad();
        Tensor loss = nn::functional::cross_entropy(net->forward(xs[i % nb]), ys[i % nb]);
        loss.backward();
        opt.step();
        return loss;
    };
    for (int64_t i = 0; i < 20; ++i) step(i);
    const int64_t steps = quick ? 50 : 300;
    sync();
    auto t0 = Clock::now();
    Tensor last;
    for (int64_t i = 0; i < steps; ++i) last = step(i);
    sync();
    const double ms = seconds_since(t0) / static_cast<double>(steps) * 1e3;
    std::ostringstream extra;
    extra << ", \"batch\": " << batch << ", \"final_loss\": " << last.item<double>();
    return {"mlp_step", ms, "ms", extra.str()};
}

// ---- float32 matmul ----
Result matmul(bool tf32, bool quick) {
    const int64_t n = 4096;
    manual_seed(3);
    Tensor a = randn({n, n}, device(kGpu)), b = randn({n, n}, device(kGpu));
    set_allow_tf32(tf32);
    Tensor c = mm(a, b);  // warm-up
    const int reps = quick ? 5 : 20;
    sync();
    auto t0 = Clock::now();
    for (int r = 0; r < reps; ++r) c = mm(a, b);
    sync();
    const double s = seconds_since(t0) / reps;
    set_allow_tf32(false);
    std::ostringstream extra;
    extra << ", \"tflops\": " << 2.0 * n * n * n / s / 1e12;
    return {tf32 ? "matmul_tf32_4096" : "matmul_f32_4096", s * 1e3, "ms", extra.str()};
}

// ---- per-op overhead: 1-element tensors, recorded for autograd ----
std::vector<Result> op_overhead(bool quick) {
    const int64_t chain = 1000, reps = quick ? 3 : 10;
    Tensor x = full({1}, 1.0, device(kGpu)).requires_grad_();
    Tensor w = full({1}, 1.0000001, device(kGpu));
    auto forward = [&] {
        Tensor y = x;
        for (int64_t i = 0; i < chain; ++i) y = y * w;
        return y;
    };
    forward().sum().backward();  // warm-up
    double fwd = 0, bwd = 0;
    for (int64_t r = 0; r < reps; ++r) {
        x.set_grad(Tensor());
        sync();
        auto t0 = Clock::now();
        Tensor y = forward();
        sync();
        fwd += seconds_since(t0);
        Tensor s = y.sum();
        sync();
        t0 = Clock::now();
        s.backward();
        sync();
        bwd += seconds_since(t0);
    }
    const double per = 1e6 / static_cast<double>(chain * reps);
    return {{"op_overhead_fwd", fwd * per, "us", ", \"chain\": 1000"},
            {"op_overhead_bwd", bwd * per, "us", ", \"chain\": 1000"}};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s OUT.json [--quick]\n", argv[0]);
        return 2;
    }
    const bool quick = argc > 2 && std::strcmp(argv[2], "--quick") == 0;
    if (!cuda_is_available()) {
        std::fprintf(stderr, "gpu_bench: no CUDA GPU available\n");
        return 1;
    }
    std::vector<Result> results;
    auto run = [&](const char* name, auto fn) {
        std::fprintf(stderr, "gpu_bench: %s ...\n", name);
        try {
            fn();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "gpu_bench: %s failed: %s\n", name, e.what());
            results.push_back({name, -1, "failed", ""});
        }
    };
    run("matmul_f32_4096", [&] { results.push_back(matmul(false, quick)); });
    run("matmul_tf32_4096", [&] { results.push_back(matmul(true, quick)); });
    run("op_overhead", [&] {
        for (auto& r : op_overhead(quick)) results.push_back(r);
    });
    run("mlp_step", [&] { results.push_back(mlp_step(quick)); });
    run("rbm_cd1_epoch", [&] { results.push_back(rbm_epoch(quick)); });

    std::ostringstream js;
    js << "{\"side\": \"ember\", \"quick\": " << (quick ? "true" : "false") << ", \"results\": [";
    for (std::size_t i = 0; i < results.size(); ++i) {
        const Result& r = results[i];
        js << (i ? ", " : "") << "{\"name\": \"" << r.name << "\", \"value\": " << r.value << ", \"unit\": \"" << r.unit
           << "\"" << r.extra << "}";
        std::printf("%-20s %12.4f %s\n", r.name.c_str(), r.value, r.unit.c_str());
    }
    js << "]}\n";
    std::ofstream(argv[1]) << js.str();
    return 0;
}
