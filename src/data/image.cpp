// PNG grids (see include/ember/data/image.h). Uses libpng's "simplified API" (png_image_*,
// libpng >= 1.6), which reports errors through return values instead of the longjmp that the
// classic API needs and that must never cross C++ frames.
#include "ember/data/image.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "data/file_io.h"
#include "ember/ops/ops.h"

namespace ember::data {

void save_image_grid(const Tensor& images, const std::string& path, int64_t nrow, int padding, float pad_value) {
    const char* op = "save_image_grid";
    EMBER_ENFORCE(images.defined(), ValueError, op, ": undefined tensor (saving '", path, "')");
    Tensor x = images.detach();
    if (x.dim() == 2) x = x.unsqueeze(0);
    if (x.dim() == 4 && x.size(1) == 1) x = x.squeeze(1);
    EMBER_ENFORCE(x.dim() == 3, ShapeError, op, ": expected images [N, H, W], [N, 1, H, W] or [H, W], got ",
                  describe(images), " (for flattened [N, H*W] images pass H and W)");
    EMBER_ENFORCE(padding >= 0 && nrow >= 0, ValueError, op, ": padding and nrow must be >= 0, got ", padding, " and ",
                  nrow);
    const int64_t n = x.size(0), h = x.size(1), w = x.size(2);
    EMBER_ENFORCE(n > 0 && h > 0 && w > 0, ShapeError, op, ": no pixels to write in ", describe(images));
    const int64_t cols = nrow > 0 ? std::min(nrow, n) : static_cast<int64_t>(std::ceil(std::sqrt(double(n))));
    const int64_t rows = (n + cols - 1) / cols;
    const int64_t grid_w = cols * w + (cols + 1) * padding, grid_h = rows * h + (rows + 1) * padding;
    EMBER_ENFORCE(grid_w <= (1 << 20) && grid_h <= (1 << 20), ValueError, op, ": a ", grid_h, " x ", grid_w,
                  " grid is larger than PNG tools handle");

    auto to_byte = [](float v) -> png_byte {
        if (!(v > 0.0f)) return 0;  // also NaN
        if (v >= 1.0f) return 255;
        return static_cast<png_byte>(std::lround(v * 255.0f));
    };
    std::vector<png_byte> pixels(static_cast<std::size_t>(grid_w * grid_h), to_byte(pad_value));
    Tensor src = x.to(kCPU).to(kFloat32).contiguous();
    const float* p = src.data_ptr<float>();
    for (int64_t k = 0; k < n; ++k) {
        const int64_t top = padding + (k / cols) * (h + padding), left = padding + (k % cols) * (w + padding);
        for (int64_t r = 0; r < h; ++r)
            for (int64_t c = 0; c < w; ++c) pixels[(top + r) * grid_w + left + c] = to_byte(p[(k * h + r) * w + c]);
    }

    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    image.width = static_cast<png_uint_32>(grid_w);
    image.height = static_cast<png_uint_32>(grid_h);
    image.format = PNG_FORMAT_GRAY;
    // Encode into memory (first call sizes the buffer), then hand the bytes to the atomic writer.
    png_alloc_size_t size = 0;
    if (!png_image_write_to_memory(&image, nullptr, &size, 0, pixels.data(), 0, nullptr))
        throw IOError(str_cat(op, ": cannot encode PNG for '", path, "': ", image.message));
    std::vector<png_byte> encoded(size);
    if (!png_image_write_to_memory(&image, encoded.data(), &size, 0, pixels.data(), 0, nullptr))
        throw IOError(str_cat(op, ": cannot encode PNG for '", path, "': ", image.message));
    detail::write_file_atomically(path, "PNG file", [&](detail::FileWriter& f) { f.write(encoded.data(), size); });
}

void save_image_grid(const Tensor& images, int64_t height, int64_t width, const std::string& path, int64_t nrow,
                     int padding, float pad_value) {
    EMBER_ENFORCE(images.defined(), ValueError, "save_image_grid: undefined tensor (saving '", path, "')");
    EMBER_ENFORCE(height > 0 && width > 0, ValueError, "save_image_grid: height and width must be positive, got ",
                  height, " x ", width);
    Tensor x = images.dim() == 1 ? images.unsqueeze(0) : images;
    EMBER_ENFORCE(x.dim() == 2 && x.size(1) == height * width, ShapeError, "save_image_grid: expected [N, ",
                  height * width, "] for ", height, " x ", width, " images, got ", describe(images));
    save_image_grid(x.reshape({x.size(0), height, width}), path, nrow, padding, pad_value);
}

}  // namespace ember::data
