// libtorch's MNIST data set over ember's MNIST reader (see include/ember/data/datasets/mnist.h).
#include "ember/data/datasets/mnist.h"

#include "ember/data/mnist.h"

namespace ember::data::datasets {

MNIST::MNIST(const std::string& root, Mode mode) : train_(mode == Mode::kTrain) {
    MNISTSplit split = load_mnist(root, train_);
    images_ = split.images.unsqueeze(1);  // [N, H, W] -> [N, 1, H, W]: one channel, as libtorch
    targets_ = std::move(split.labels);
}

Example<> MNIST::get(size_t index) {
    const size_t n = static_cast<size_t>(images_.size(0));
    EMBER_ENFORCE(index < n, IndexError, "MNIST::get: index ", index, " out of range for a data set of ", n,
                  " examples");
    const auto i = static_cast<int64_t>(index);
    return {images_[i], targets_[i]};
}

optional<size_t> MNIST::size() const { return static_cast<size_t>(images_.size(0)); }

bool MNIST::is_train() const noexcept { return train_; }

const Tensor& MNIST::images() const { return images_; }

const Tensor& MNIST::targets() const { return targets_; }

}  // namespace ember::data::datasets
