// ember::save / ember::load of a tensor or a list of tensors (data/serialize.h), on top of the
// safetensors reader and writer.
#include <string>

#include "ember/autograd/grad_mode.h"
#include "ember/data/serialize.h"

namespace ember {

namespace {

constexpr char kFormat[] = "ember-tensors";

void save_list(const std::vector<Tensor>& tensors, const std::string& path) {
    std::map<std::string, Tensor> entries;
    std::string requires_grad;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        EMBER_ENFORCE(tensors[i].defined(), ValueError, "save: tensor ", i, " of ", tensors.size(),
                      " is undefined; only defined tensors can be saved (", path, ")");
        entries[std::to_string(i)] = tensors[i].detach();
        requires_grad += tensors[i].requires_grad() ? '1' : '0';
    }
    save_tensors(entries, path, {{"format", kFormat}, {"requires_grad", requires_grad}});
}

// The saved requires_grad flag of entry i, when the file has one.
bool saved_requires_grad(const std::map<std::string, std::string>& metadata, std::size_t i) {
    auto it = metadata.find("requires_grad");
    return it != metadata.end() && i < it->second.size() && it->second[i] == '1';
}

// libtorch's Tensor::set_(source): `t` (its TensorImpl, so every handle to it) now views the
// loaded storage with the loaded sizes, strides and dtype. Its autograd fields stay as they were.
void set_data(Tensor& t, const Tensor& source) {
    TensorImpl& dst = *t.impl();
    const TensorImpl& src = *source.impl();
    dst.storage = src.storage;
    dst.sizes = src.sizes;
    dst.strides = src.strides;
    dst.storage_offset = src.storage_offset;
    dst.dtype = src.dtype;
    dst.device = src.device;
    dst.refresh();
}

}  // namespace

void save(const Tensor& tensor, const std::string& path) { save_list({tensor}, path); }

void save(const std::vector<Tensor>& tensors, const std::string& path) { save_list(tensors, path); }

void load(Tensor& tensor, const std::string& path) {
    std::map<std::string, Tensor> entries = load_tensors(path);
    auto it = entries.find("0");
    EMBER_ENFORCE(it != entries.end(), IOError, "load(tensor): ", path,
                  " has no entry \"0\" (a file written by ember::save(tensor, path) has one)");
    Tensor loaded = it->second;
    if (!tensor.defined()) {
        tensor = loaded;
        if (saved_requires_grad(load_tensors_metadata(path), 0) && loaded.is_floating_point())
            tensor.requires_grad_(true);
        return;
    }
    NoGradGuard no_grad;
    set_data(tensor, loaded.to(tensor.device()));
}

void load(std::vector<Tensor>& tensors, const std::string& path) {
    std::map<std::string, Tensor> entries = load_tensors(path);
    const std::map<std::string, std::string> metadata = load_tensors_metadata(path);
    for (std::size_t i = 0;; ++i) {
        auto it = entries.find(std::to_string(i));
        if (it == entries.end()) break;
        Tensor t = it->second;
        if (saved_requires_grad(metadata, i) && t.is_floating_point()) t.requires_grad_(true);
        tensors.push_back(t);
    }
}

}  // namespace ember
