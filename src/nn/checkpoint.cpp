// Training checkpoints (include/ember/nn/checkpoint.h). The file's layout, in safetensors:
//   metadata  format "ember-training-checkpoint", version, model (its name), model_fingerprint,
//             world_size, optimizer ("none" or its checkpoint's "optimizer" entry), and every
//             metadata entry of the optimizer's checkpoint under "optimizer.<key>"
//   model.<name>           the module's state dict
//   optimizer.<key>        the tensors of Optimizer::checkpoint()
//   loop.epoch, loop.step, loop.world_size   int64 scalars
//   loop.order             the epoch's sample order (when given)
//   rng.state, rng.epoch_start               get_rng_state() now and before the shuffle (when given)
//   extra.<name>           the caller's entries
#include "ember/nn/checkpoint.h"

#include <cstdio>

#include "ember/data/serialize.h"
#include "ember/ops/ops.h"
#include "ember/ops/rng_state.h"

namespace ember {

namespace {

constexpr char kFormat[] = "ember-training-checkpoint";

Tensor int64_scalar(int64_t v) { return full({}, static_cast<double>(v), TensorOptions().dtype(kInt64)); }

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// The file's tensors and metadata, read and checked once; lookups name what is missing.
struct File {
    std::string path;
    std::map<std::string, Tensor> tensors;
    std::map<std::string, std::string> metadata;

    const std::string& meta(const std::string& key) const {
        auto it = metadata.find(key);
        EMBER_ENFORCE(it != metadata.end(), ValueError, "load_checkpoint: '", path, "' has no metadata \"", key,
                      "\": not a training checkpoint written by ember::save_checkpoint");
        return it->second;
    }
    int64_t integer(const std::string& name) const {
        auto it = tensors.find(name);
        EMBER_ENFORCE(it != tensors.end(), ValueError, "load_checkpoint: '", path, "' has no entry \"", name, "\"");
        EMBER_ENFORCE(it->second.dtype() == kInt64 && it->second.numel() == 1, ValueError, "load_checkpoint: entry \"",
                      name, "\" of '", path, "' should be one int64, got ", describe(it->second));
        return it->second.item<int64_t>();
    }
    Tensor optional_tensor(const std::string& name) const {
        auto it = tensors.find(name);
        return it == tensors.end() ? Tensor() : it->second;
    }
};

File read_file(const std::string& path) {
    File f;
    f.path = path;
    try {
        f.tensors = load_tensors(path);
        f.metadata = load_tensors_metadata(path);
    } catch (const IOError& e) {
        // The reader's message says what is wrong (truncated, bad header); this says what it means.
        throw IOError(str_cat("load_checkpoint: cannot read the checkpoint '", path, "' (", e.what(),
                              "); a checkpoint being written when the run died is never left at its final "
                              "path, so this file was damaged afterwards or is not a checkpoint"));
    }
    const std::string& format = f.meta("format");
    EMBER_ENFORCE(format == kFormat, ValueError, "load_checkpoint: '", path, "' is a file of format \"", format,
                  "\", not a training checkpoint (\"", kFormat, "\")");
    const std::string& version = f.meta("version");
    EMBER_ENFORCE(version == std::to_string(kCheckpointVersion), ValueError, "load_checkpoint: '", path,
                  "' is a version ", version, " checkpoint; this ember reads version ", kCheckpointVersion);
    return f;
}

// The first difference between the file's model entries and the module's state dict, or "".
std::string first_model_difference(const File& f, const nn::Module& model) {
    std::map<std::string, Tensor> saved;
    for (const auto& [key, t] : f.tensors)
        if (starts_with(key, "model.")) saved.emplace(key.substr(6), t);
    for (const auto& [name, t] : model.state_dict()) {
        auto it = saved.find(name);
        if (it == saved.end()) return str_cat("the model's entry \"", name, "\" ", describe(t), " is not in the file");
        if (it->second.sizes() != t.sizes() || it->second.dtype() != t.dtype())
            return str_cat("entry \"", name, "\" is ", describe(it->second), " in the file but ", describe(t),
                           " in the model");
        saved.erase(it);
    }
    if (!saved.empty())
        return str_cat("the file's entry \"", saved.begin()->first, "\" ", describe(saved.begin()->second),
                       " is not in the model");
    return "";
}

optim::Optimizer::Checkpoint optimizer_part(const File& f) {
    optim::Optimizer::Checkpoint c;
    for (const auto& [key, t] : f.tensors)
        if (starts_with(key, "optimizer.")) c.tensors.emplace(key.substr(10), t);
    for (const auto& [key, v] : f.metadata)
        if (starts_with(key, "optimizer.")) c.metadata.emplace(key.substr(10), v);
    return c;
}

void restore_optimizer(const File& f, optim::Optimizer& optimizer) {
    EMBER_ENFORCE(f.meta("optimizer") != "none", ValueError, "load_checkpoint: '", f.path,
                  "' holds no optimizer state (it was saved without an optimizer)");
    // Optimizer::restore checks everything (kind, groups, shapes) before it changes anything.
    optimizer.restore(optimizer_part(f));
}

}  // namespace

std::string model_fingerprint(const nn::Module& model) {
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64
    auto mix = [&h](const std::string& s) {
        for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    };
    for (const auto& [name, t] : model.state_dict())
        mix(str_cat(name, ":", dtype_name(t.dtype()), shape_str(t.sizes()), ";"));
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return hex;
}

void save_checkpoint(const std::string& path, const nn::Module& model, const optim::Optimizer* optimizer,
                     const TrainingState& state) {
    EMBER_ENFORCE(state.epoch >= 0 && state.step >= 0 && state.world_size >= 1, ValueError,
                  "save_checkpoint: expected epoch >= 0, step >= 0 and world_size >= 1, got epoch ", state.epoch,
                  ", step ", state.step, ", world_size ", state.world_size);
    std::map<std::string, Tensor> tensors;
    std::map<std::string, std::string> metadata{{"format", kFormat},
                                                {"version", std::to_string(kCheckpointVersion)},
                                                {"model", model.name()},
                                                {"model_fingerprint", model_fingerprint(model)},
                                                {"world_size", std::to_string(state.world_size)},
                                                {"optimizer", "none"}};
    for (const auto& [name, t] : model.state_dict()) tensors.emplace("model." + name, t);
    if (optimizer) {
        optim::Optimizer::Checkpoint c = optimizer->checkpoint();
        for (auto& [key, t] : c.tensors) tensors.emplace("optimizer." + key, t);
        for (auto& [key, v] : c.metadata) metadata["optimizer." + key] = v;
        metadata["optimizer"] = c.metadata.count("optimizer") ? c.metadata.at("optimizer") : "unnamed";
    }
    tensors["loop.epoch"] = int64_scalar(state.epoch);
    tensors["loop.step"] = int64_scalar(state.step);
    tensors["loop.world_size"] = int64_scalar(state.world_size);
    if (state.order.defined()) tensors["loop.order"] = state.order;
    tensors["rng.state"] = state.rng_state.defined() ? state.rng_state : get_rng_state();
    if (state.epoch_rng_state.defined()) tensors["rng.epoch_start"] = state.epoch_rng_state;
    for (const auto& [name, t] : state.extra) tensors["extra." + name] = t;
    // save_tensors copies each tensor to the CPU and writes through write_file_atomically.
    save_tensors(tensors, path, metadata);
}

TrainingState load_checkpoint(const std::string& path, nn::Module& model, optim::Optimizer* optimizer,
                              int64_t world_size) {
    const File f = read_file(path);
    const int64_t saved_world = f.integer("loop.world_size");
    EMBER_ENFORCE(saved_world == world_size, ValueError, "load_checkpoint: '", path, "' was saved by a run of ",
                  saved_world, " process", saved_world == 1 ? "" : "es", ", this run has ", world_size,
                  ": resume with the same world size (the data shards and random streams depend on it)");
    const std::string difference = first_model_difference(f, model);
    EMBER_ENFORCE(difference.empty(), ValueError, "load_checkpoint: '", path, "' is a checkpoint of another model (",
                  f.meta("model"), ", fingerprint ", f.meta("model_fingerprint"), "; this ", model.name(),
                  " has fingerprint ", model_fingerprint(model), "): ", difference);

    TrainingState s;
    s.epoch = f.integer("loop.epoch");
    s.step = f.integer("loop.step");
    s.world_size = saved_world;
    s.order = f.optional_tensor("loop.order");
    s.rng_state = f.optional_tensor("rng.state");
    s.epoch_rng_state = f.optional_tensor("rng.epoch_start");
    EMBER_ENFORCE(s.rng_state.defined(), ValueError, "load_checkpoint: '", path, "' has no entry \"rng.state\"");
    for (const auto& [key, t] : f.tensors)
        if (starts_with(key, "extra.")) s.extra.emplace(key.substr(6), t);

    // The optimizer first: restore() throws before changing anything, and the model's entries were
    // checked above, so after this point nothing can fail half-way.
    if (optimizer) restore_optimizer(f, *optimizer);
    std::map<std::string, Tensor> state_dict;
    for (const auto& [key, t] : f.tensors)
        if (starts_with(key, "model.")) state_dict.emplace(key.substr(6), t);
    model.load_state_dict(state_dict, true);
    return s;
}

void load_checkpoint_optimizer(const std::string& path, optim::Optimizer& optimizer) {
    restore_optimizer(read_file(path), optimizer);
}

}  // namespace ember
