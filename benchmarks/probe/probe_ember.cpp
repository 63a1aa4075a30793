// A 50-line program against ember, for the compile-time workload of benchmarks/run: the time to
// compile and link it (one g++ call, -O2) is compared with probe_torch.cpp, the same program in libtorch.
#include <cstdio>

#include <ember/ember.h>

using namespace ember;

struct Net : nn::Module {
    Net() : Module("Net") {
        fc1 = register_module("fc1", nn::Linear(784, 256));
        fc2 = register_module("fc2", nn::Linear(256, 128));
        fc3 = register_module("fc3", nn::Linear(128, 10));
    }
    Tensor forward(const Tensor& x) {
        Tensor h = relu(fc1(x));
        h = relu(fc2(h));
        return fc3(h);
    }
    nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
};

int main() {
    manual_seed(0);
    auto net = std::make_shared<Net>();
    optim::SGD opt(net->parameters(), optim::SGDOptions(0.05).momentum(0.9));
    Tensor x = rand({64, 784});
    Tensor y = randint(0, 10, {64});
    double first = 0, last = 0;
    for (int step = 0; step < 20; ++step) {
        opt.zero_grad();
        Tensor logits = net->forward(x);
        Tensor loss = nn::functional::cross_entropy(logits, y);
        loss.backward();
        opt.step();
        last = loss.item<double>();
        if (step == 0) first = last;
    }
    {
        NoGradGuard no_grad;
        Tensor pred = net->forward(x).argmax(1);
        double acc = pred.eq(y).to(kFloat32).mean().item<double>();
        std::printf("loss %.4f -> %.4f, train accuracy %.3f\n", first, last, acc);
    }
    Tensor w = net->fc1->weight;
    std::printf("fc1 weight %lld x %lld, mean %.5f\n", static_cast<long long>(w.size(0)),
                static_cast<long long>(w.size(1)), w.mean().item<double>());
    return last < first ? 0 : 1;
}
