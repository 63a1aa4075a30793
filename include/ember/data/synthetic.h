#pragma once
// Small synthetic data sets: exact, enumerable ones for tests of generative models (bars and
// stripes), toy classification sets (two moons, Gaussian blobs), and an image stand-in for
// Fashion-MNIST when the real data is not installed. All are deterministic functions of their
// arguments (their own generator, not ember::manual_seed's stream), identical on every platform.
#include <cstdint>

#include "ember/data/mnist.h"
#include "ember/tensor/tensor.h"

namespace ember::data {

struct LabeledData {
    Tensor data;    // float32 [N, ...]
    Tensor labels;  // int64 [N]
};

// The classic "bars and stripes" set (MacKay 2003) on a side x side grid: every pattern whose rows
// are each all-on or all-off (2^side stripes patterns, row r on iff bit r of the index), followed by
// every pattern whose columns are each all-on or all-off (2^side bars patterns). float32
// [2^(side+1), side*side], row-major pixels in {0, 1}. As in the classic set, the all-off and all-on
// patterns appear twice (once as stripes, once as bars): side = 4 gives 32 rows, 30 distinct.
// side must be in [1, 12].
Tensor bars_and_stripes(int side = 4);

// Two interleaving half circles (scikit-learn's make_moons): n points, float32 [n, 2]; label 0 for
// the upper moon (the first ceil(n/2) rows), 1 for the lower; Gaussian noise of std `noise` added.
LabeledData two_moons(int64_t n, double noise = 0.1, uint64_t seed = 0);

// n points in `dim` dimensions around `centers` centres drawn uniformly in [-5, 5]^dim, each point
// centre + N(0, stddev^2 I). Point i belongs to centre i % centers (balanced classes).
// float32 [n, dim], labels int64 [n].
LabeledData gaussian_blobs(int64_t n, int64_t centers = 3, uint64_t seed = 0, int64_t dim = 2, double stddev = 0.5);

// A stand-in for Fashion-MNIST when it is not installed: n grayscale 28x28 images in [0, 1] in 10
// classes of geometric shapes (label i % 10 for image i):
//   0 horizontal bar  1 vertical bar  2 filled square  3 square outline  4 filled disk
//   5 ring            6 diagonal      7 cross (X)      8 plus (+)        9 triangle
// Each image jitters its shape's centre (+-3 px), scale (0.75 to 1.25) and brightness (0.6 to 1),
// then adds Gaussian pixel noise (std 0.1) and clamps to [0, 1]. The classes are separable but not
// trivially (disk vs ring, square vs outline), so classifiers and RBMs learn something visible; it is
// NOT a substitute for accuracy numbers on the real data set.
MNISTSplit synthetic_fashion(int64_t n, uint64_t seed = 0);

}  // namespace ember::data
