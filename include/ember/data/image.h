#pragma once
// Saving images: a grid of grayscale images as one 8-bit PNG (filters of an RBM, samples of a
// DBN, reconstructions of an autoencoder), in the spirit of torchvision's save_image.
#include <cstdint>
#include <string>

#include "ember/tensor/tensor.h"

namespace ember::data {

// Writes `images` as a grid to an 8-bit grayscale PNG at `path` (atomically: temporary file and
// rename). `images` is [N, H, W], [N, 1, H, W] or a single [H, W] image, any dtype/device; values
// are clamped to [0, 1] and mapped to round(255 v) (NaN becomes 0). `nrow` is the number of images
// per grid row (0: ceil(sqrt(N)), a near-square grid); `padding` pixels of value `pad_value`
// separate the images and frame the grid.
void save_image_grid(const Tensor& images, const std::string& path, int64_t nrow = 0, int padding = 1,
                     float pad_value = 0.5f);
// The same for flattened images: `images` is [N, H*W] (or [H*W]), e.g. rows of an RBM's weight matrix.
void save_image_grid(const Tensor& images, int64_t height, int64_t width, const std::string& path, int64_t nrow = 0,
                     int padding = 1, float pad_value = 0.5f);

}  // namespace ember::data
