// MNIST-layout folders (see include/ember/data/mnist.h).
#include "ember/data/mnist.h"

#include <filesystem>
#include <optional>
#include <vector>

#include "ember/data/idx.h"
#include "ember/ops/ops.h"

namespace ember::data {

namespace {

namespace fs = std::filesystem;

// The spellings found in the wild for one file, in the order we prefer them.
std::vector<std::string> candidates(const std::string& split, const std::string& kind, int ndim) {
    std::string idx = "idx" + std::to_string(ndim) + "-ubyte";
    std::string dash = split + "-" + kind + "-" + idx;  // train-images-idx3-ubyte
    std::string dot = split + "-" + kind + "." + idx;   // train-images.idx3-ubyte
    return {dash, dash + ".gz", dot, dot + ".gz"};
}

std::optional<std::string> find_file(const std::string& root, const std::vector<std::string>& names) {
    for (const auto& n : names) {
        std::error_code ec;
        fs::path p = fs::path(root) / n;
        if (fs::is_regular_file(p, ec)) return p.string();
    }
    return std::nullopt;
}

std::string missing_message(const std::string& root, const std::vector<std::string>& names) {
    std::string tried;
    for (const auto& n : names) tried += (tried.empty() ? "" : ", ") + n;
    return str_cat("MNIST-layout data set not found: no file '", (fs::path(root) / names[0]).string(), "' (tried ",
                   tried, " in '", root, "')");
}

MNISTSplit load_split(const std::string& root, bool train, const char* install_hint) {
    const std::string split = train ? "train" : "t10k";
    auto image_names = candidates(split, "images", 3);
    auto label_names = candidates(split, "labels", 1);
    auto images_path = find_file(root, image_names);
    auto labels_path = find_file(root, label_names);
    if (!images_path) throw IOError(missing_message(root, image_names) + install_hint);
    if (!labels_path) throw IOError(missing_message(root, label_names) + install_hint);

    IdxFile images = read_idx_file(*images_path);
    if (images.type != IdxType::UByte || images.shape.size() != 3)
        throw IOError(str_cat("invalid MNIST images file '", *images_path,
                              "': expected a 3-D ubyte IDX [N, H, W], got ", images.shape.size(), "-D ",
                              idx_type_name(images.type), " of shape ", shape_str(images.shape)));
    IdxFile labels = read_idx_file(*labels_path);
    if (labels.type != IdxType::UByte || labels.shape.size() != 1)
        throw IOError(str_cat("invalid MNIST labels file '", *labels_path, "': expected a 1-D ubyte IDX [N], got ",
                              labels.shape.size(), "-D ", idx_type_name(labels.type), " of shape ",
                              shape_str(labels.shape)));
    if (labels.shape[0] != images.shape[0])
        throw IOError(str_cat("MNIST files disagree: '", *images_path, "' holds ", images.shape[0], " images but '",
                              *labels_path, "' holds ", labels.shape[0], " labels"));

    // Straight from bytes to the dtypes a model wants; no int64 intermediate for 47 MB of pixels.
    MNISTSplit out;
    out.images = empty(images.shape, kFloat32);
    const int64_t npix = static_cast<int64_t>(images.payload.size());
    if (npix) {
        float* px = out.images.data_ptr<float>();
        const uint8_t* src = images.payload.data();
        // A division, not a product with 1/255 (which differs in the last bit for some bytes):
        // the same floats as libtorch's MNIST, so a ported program prints the same digits.
        for (int64_t i = 0; i < npix; ++i) px[i] = static_cast<float>(src[i]) / 255.0f;
    }
    out.labels = empty({labels.shape[0]}, kInt64);
    if (labels.shape[0]) {
        int64_t* lb = out.labels.data_ptr<int64_t>();
        for (int64_t i = 0; i < labels.shape[0]; ++i) lb[i] = labels.payload[i];
    }
    return out;
}

bool split_present(const std::string& root, bool train) {
    const std::string split = train ? "train" : "t10k";
    return find_file(root, candidates(split, "images", 3)) && find_file(root, candidates(split, "labels", 1));
}

}  // namespace

MNISTSplit load_mnist(const std::string& root, bool train) { return load_split(root, train, ""); }

MNISTSplit fashion_mnist(const std::string& root, bool train) {
    return load_split(root, train,
                      ". Install Fashion-MNIST with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu, files in "
                      "/usr/share/datasets/fashion-mnist) or download the four *-ubyte.gz files from "
                      "https://github.com/zalandoresearch/fashion-mnist into that folder");
}

bool fashion_mnist_available(const std::string& root) {
    return split_present(root, true) && split_present(root, false);
}

const std::array<const char*, 10>& fashion_mnist_classes() {
    static const std::array<const char*, 10> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                      "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return names;
}

}  // namespace ember::data
