// A torch::data pipeline as libtorch users write it: MNIST read from a folder, normalised and
// stacked, walked by a sequential loader with worker threads; a TensorDataset and a custom
// Dataset with lambdas; the distributed samplers' shards; and a worker's exception. Only what is
// the same on both sides is printed: sequential orders, facts that do not depend on a random
// order, and sums rounded to 3 decimals. (libtorch's MNIST insists on exactly 10000 test images
// of 28 x 28, so that is what the program writes.)
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

void write_be32(std::ofstream& out, uint32_t v) {
    const char bytes[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    out.write(bytes, 4);
}

// The MNIST test split's two IDX files: pixel (r, c) of image i is (7 i + 3 r + 5 c + i / 97) mod 256,
// label (3 i) mod 10.
std::string write_mnist_test_set() {
    const auto root = std::filesystem::temp_directory_path() / ("ported_data_pipeline_" + std::to_string(getpid()));
    std::filesystem::create_directories(root);
    const uint32_t count = 10000, rows = 28, cols = 28;
    std::ofstream images(root / "t10k-images-idx3-ubyte", std::ios::binary);
    write_be32(images, 2051);
    write_be32(images, count);
    write_be32(images, rows);
    write_be32(images, cols);
    std::vector<char> pixels(rows * cols);
    for (uint32_t i = 0; i < count; ++i) {
        for (uint32_t r = 0; r < rows; ++r)
            for (uint32_t c = 0; c < cols; ++c) pixels[r * cols + c] = char((7 * i + 3 * r + 5 * c + i / 97) % 256);
        images.write(pixels.data(), static_cast<std::streamsize>(pixels.size()));
    }
    std::ofstream labels(root / "t10k-labels-idx1-ubyte", std::ios::binary);
    write_be32(labels, 2049);
    write_be32(labels, count);
    for (uint32_t i = 0; i < count; ++i) labels.put(char((3 * i) % 10));
    return root.string();
}

std::string shape(const torch::Tensor& t) {
    std::string s = "[";
    for (int64_t d = 0; d < t.dim(); ++d) s += (d ? "," : "") + std::to_string(t.size(d));
    return s + "]";
}

double rounded(const torch::Tensor& t) { return std::round(t.to(torch::kDouble).sum().item<double>() * 1000) / 1000; }

struct Squares : torch::data::datasets::Dataset<Squares> {
    torch::data::Example<> get(size_t index) override {
        const auto i = static_cast<int64_t>(index);
        if (i == fail) throw std::runtime_error("no example " + std::to_string(i));
        return {torch::full({2}, double(i * i)), torch::tensor(i)};
    }
    torch::optional<size_t> size() const override { return 9; }
    int64_t fail = -1;
};

template <typename Sampler>
void print_shards(const char* name, size_t epoch) {
    std::cout << name << " epoch " << epoch << ":";
    for (size_t rank = 0; rank < 3; ++rank) {
        Sampler sampler(10, /*num_replicas=*/3, rank);
        sampler.set_epoch(epoch);
        sampler.reset();
        std::cout << " rank " << rank << " {";
        while (auto indices = sampler.next(3))
            for (size_t i : *indices) std::cout << ' ' << i;
        std::cout << " }";
    }
    std::cout << '\n';
}

}  // namespace

int main() {
    std::cout << std::fixed << std::setprecision(3);
    const std::string root = write_mnist_test_set();

    torch::data::datasets::MNIST mnist(root, torch::data::datasets::MNIST::Mode::kTest);
    std::cout << "mnist is_train " << mnist.is_train() << " images " << shape(mnist.images()) << " targets "
              << shape(mnist.targets()) << '\n';
    auto example = mnist.get(3);
    std::cout << "example 3: data " << shape(example.data) << " target " << example.target.item<int64_t>() << " dim "
              << example.target.dim() << " first pixels";
    for (int c = 0; c < 4; ++c) std::cout << ' ' << std::setprecision(8) << example.data[0][0][c].item<float>();
    std::cout << std::setprecision(3) << '\n';

    auto train = torch::data::datasets::MNIST(root, torch::data::datasets::MNIST::Mode::kTest)
                     .map(torch::data::transforms::Normalize<>(0.1307, 0.3081))
                     .map(torch::data::transforms::Stack<>());
    const size_t n = train.size().value();
    std::cout << "examples " << n << '\n';
    auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
        std::move(train), torch::data::DataLoaderOptions().batch_size(2048).workers(2));
    int64_t batch_index = 0;
    for (auto& batch : *loader) {
        auto data = batch.data, targets = batch.target;
        std::cout << "batch " << batch_index++ << " data " << shape(data) << " targets " << shape(targets) << " sum "
                  << rounded(data) << " target sum " << targets.sum().item<int64_t>() << " first "
                  << targets[0].item<int64_t>() << " min " << data.min().item<float>() << " max "
                  << data.max().item<float>() << '\n';
    }
    std::filesystem::remove_all(root);

    // A random order differs between the two libraries; that every example comes once does not.
    auto shuffled =
        torch::data::make_data_loader(torch::data::datasets::TensorDataset(torch::arange(50, torch::kFloat))
                                          .map(torch::data::transforms::Stack<torch::data::TensorExample>()),
                                      torch::data::DataLoaderOptions(8).workers(3));
    std::vector<float> seen;
    for (auto& batch : *shuffled)
        for (int64_t i = 0; i < batch.data.size(0); ++i) seen.push_back(batch.data[i].item<float>());
    std::sort(seen.begin(), seen.end());
    bool complete = seen.size() == 50;
    for (size_t i = 0; complete && i < seen.size(); ++i) complete = seen[i] == float(i);
    std::cout << "random epoch visits every example once: " << complete << '\n';

    // A custom dataset, a Lambda per example and a BatchLambda collating by hand; drop_last.
    auto squares = Squares()
                       .map(torch::data::transforms::Lambda<torch::data::Example<>>([](torch::data::Example<> e) {
                           e.data = e.data + 1;
                           return e;
                       }))
                       .map(torch::data::transforms::BatchLambda<std::vector<torch::data::Example<>>, torch::Tensor>(
                           [](std::vector<torch::data::Example<>> examples) {
                               std::vector<torch::Tensor> rows;
                               for (auto& e : examples)
                                   rows.push_back(torch::cat({e.data, e.target.view({1}).to(torch::kFloat)}));
                               return torch::stack(rows);
                           }));
    auto custom = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
        std::move(squares), torch::data::DataLoaderOptions().batch_size(4).drop_last(true));
    for (auto& batch : *custom) {
        std::cout << "custom batch " << shape(batch) << ':';
        for (int64_t r = 0; r < batch.size(0); ++r)
            std::cout << ' ' << batch[r][0].item<float>() << '/' << batch[r][2].item<float>();
        std::cout << '\n';
    }

    // The distributed samplers shuffle with std::mt19937 seeded by the epoch, not with torch's
    // generator: the shards are the same on both sides.
    print_shards<torch::data::samplers::DistributedRandomSampler>("distributed random", 0);
    print_shards<torch::data::samplers::DistributedRandomSampler>("distributed random", 1);
    print_shards<torch::data::samplers::DistributedSequentialSampler>("distributed sequential", 0);

    // An exception in a worker's get() reaches this thread (libtorch wraps it in WorkerException,
    // ember rethrows it as itself: both are std::exceptions).
    Squares failing;
    failing.fail = 6;
    auto broken = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
        failing.map(torch::data::transforms::Stack<>()), torch::data::DataLoaderOptions(3).workers(2));
    int64_t good = 0;
    try {
        for (auto& batch : *broken) good += batch.data.size(0);
        std::cout << "no exception\n";
    } catch (const std::exception&) {
        std::cout << "exception after " << good << " examples\n";
    }
}
