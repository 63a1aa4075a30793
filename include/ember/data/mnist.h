#pragma once
// MNIST-layout datasets (MNIST, Fashion-MNIST, KMNIST, ...): a folder holding
//   train-images-idx3-ubyte  train-labels-idx1-ubyte  t10k-images-idx3-ubyte  t10k-labels-idx1-ubyte
// each optionally gzip-compressed (".gz", as Debian's dataset-fashion-mnist package installs them in
// /usr/share/datasets/fashion-mnist) or with a dot before "idx" (train-images.idx3-ubyte, as some
// mirrors name them).
#include <array>
#include <string>

#include "ember/tensor/tensor.h"

namespace ember::data {

// Where Debian's `dataset-fashion-mnist` package puts the files.
inline constexpr const char* kFashionMnistRoot = "/usr/share/datasets/fashion-mnist";

struct MNISTSplit {
    Tensor images;  // float32 [N, H, W] (28 x 28 for MNIST), pixel / 255 in [0, 1]
    Tensor labels;  // int64 [N]
};

// Loads the training split (train = true: 60000 images for (Fashion-)MNIST) or the test split
// (t10k: 10000 images) of any folder in MNIST layout. Checks that the images are a 3-D ubyte IDX,
// the labels a 1-D ubyte IDX with as many entries. Throws IOError naming the folder and the file
// names it tried when a file is missing (and IOError from the IDX reader when one is malformed).
MNISTSplit load_mnist(const std::string& root, bool train = true);

// Fashion-MNIST (Zalando, 10 classes of 28x28 clothing images). Same as load_mnist; the error for a
// missing folder says how to install the data set (`apt-get install dataset-fashion-mnist`).
MNISTSplit fashion_mnist(const std::string& root = kFashionMnistRoot, bool train = true);

// True when both splits' image and label files are present in `root` (does not parse them).
bool fashion_mnist_available(const std::string& root = kFashionMnistRoot);

// The Fashion-MNIST class names, indexed by label.
const std::array<const char*, 10>& fashion_mnist_classes();

}  // namespace ember::data
