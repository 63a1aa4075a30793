#pragma once
// Saving and loading a module's state dict (parameters and buffers by dotted name) in the
// safetensors format, spelled as in libtorch: ember::save(model, path), ember::load(model, path).
#include <string>

#include "ember/nn/module.h"

namespace ember {

void save(const nn::Module& module, const std::string& path);
void load(nn::Module& module, const std::string& path, bool strict = true);

template <typename C>
void save(const nn::ModuleHolder<C>& module, const std::string& path) {
    save(*module, path);
}
template <typename C>
void load(nn::ModuleHolder<C>& module, const std::string& path, bool strict = true) {
    load(*module, path, strict);
}

}  // namespace ember
