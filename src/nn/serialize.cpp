#include "ember/nn/serialize.h"

#include "ember/data/serialize.h"

namespace ember {

void save(const nn::Module& module, const std::string& path) {
    std::map<std::string, Tensor> state;
    for (const auto& item : module.state_dict()) state.emplace(item.first, item.second);
    save_tensors(state, path, {{"format", "ember"}, {"module", module.name()}});
}

void load(nn::Module& module, const std::string& path, bool strict) {
    module.load_state_dict(load_tensors(path), strict);
}

}  // namespace ember
