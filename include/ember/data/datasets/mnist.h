#pragma once
// libtorch's torch::data::datasets::MNIST: one split of a folder in MNIST layout, as examples of
// an image float32 [1, H, W] (pixel / 255, in [0, 1]) and a target int64 scalar (the label).
//
// The files are libtorch's (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte), read by ember's IDX reader, which also takes them gzip-compressed
// (".gz") or spelled with a dot (train-images.idx3-ubyte); see ember/data/mnist.h. Unlike
// libtorch, which insists on exactly 60000 / 10000 images of 28 x 28, any count and image size is
// accepted (Fashion-MNIST, KMNIST, a small test file). A missing or malformed file throws
// ember::IOError naming it.
#include <cstddef>
#include <string>

#include "ember/data/datasets/base.h"
#include "ember/data/example.h"

namespace ember::data::datasets {

class MNIST : public Dataset<MNIST> {
public:
    enum class Mode { kTrain, kTest };

    explicit MNIST(const std::string& root, Mode mode = Mode::kTrain);

    // images()[index] and targets()[index] (views; IndexError when out of range).
    Example<> get(size_t index) override;
    optional<size_t> size() const override;
    // Whether this is the training split (kTrain).
    bool is_train() const noexcept;
    // float32 [N, 1, H, W] and int64 [N].
    const Tensor& images() const;
    const Tensor& targets() const;

private:
    Tensor images_, targets_;
    bool train_;
};

}  // namespace ember::data::datasets
