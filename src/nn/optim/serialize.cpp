// Optimizer checkpoints: Optimizer::checkpoint()/restore() and ember::save/load of an optimizer
// (the layout is described in include/ember/nn/optim/serialize.h).
#include "ember/nn/optim/serialize.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <set>
#include <typeinfo>

#include "ember/data/serialize.h"

namespace ember::optim {

namespace {

constexpr char kFormat[] = "ember-optimizer";

std::string type_name(const Optimizer& o) {
    int status = 0;
    const char* mangled = typeid(o).name();
    std::unique_ptr<char, decltype(&std::free)> demangled(abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                                          &std::free);
    return status == 0 && demangled ? demangled.get() : mangled;
}

std::string group_key(std::size_t g, const std::string& rest) { return str_cat("param_groups.", g, ".", rest); }

Tensor int64_scalar(int64_t v) { return full({}, static_cast<double>(v), TensorOptions().dtype(kInt64)); }
Tensor float64_scalar(double v) { return full({}, v, TensorOptions().dtype(kFloat64)); }

Tensor shape_tensor(IntArrayRef sizes) {
    Tensor t = zeros({static_cast<int64_t>(sizes.size())}, TensorOptions().dtype(kInt64));
    int64_t* p = t.data_ptr<int64_t>();
    for (std::size_t i = 0; i < sizes.size(); ++i) p[i] = sizes[i];
    return t;
}

// The checkpoint's entries, looked up with errors that name what is missing or malformed.
class Reader {
public:
    explicit Reader(const Optimizer::Checkpoint& c) : c_(c) {}
    const Tensor& tensor(const std::string& name) const {
        auto it = c_.tensors.find(name);
        EMBER_ENFORCE(it != c_.tensors.end(), ValueError, "load(optimizer): the checkpoint has no entry \"", name,
                      "\" (is it an optimizer checkpoint written by ember::save(optimizer, path)?)");
        return it->second;
    }
    int64_t integer(const std::string& name) const {
        const Tensor& t = tensor(name);
        EMBER_ENFORCE(t.dtype() == kInt64 && t.numel() == 1, ValueError, "load(optimizer): entry \"", name,
                      "\" should be one int64, got ", describe(t));
        return t.item<int64_t>();
    }
    double number(const std::string& name) const {
        const Tensor& t = tensor(name);
        EMBER_ENFORCE(t.dtype() == kFloat64 && t.numel() == 1, ValueError, "load(optimizer): entry \"", name,
                      "\" should be one float64, got ", describe(t));
        return t.item<double>();
    }
    const std::string& meta(const std::string& key) const {
        auto it = c_.metadata.find(key);
        EMBER_ENFORCE(it != c_.metadata.end(), ValueError, "load(optimizer): the checkpoint's metadata has no \"", key,
                      "\": not an optimizer checkpoint written by ember::save(optimizer, path)");
        return it->second;
    }

private:
    const Optimizer::Checkpoint& c_;
};

}  // namespace

Optimizer::Checkpoint Optimizer::checkpoint() const {
    Checkpoint c;
    c.metadata = {
        {"format", kFormat}, {"optimizer", type_name(*this)}, {"param_groups", std::to_string(param_groups_.size())}};
    std::size_t index = 0;
    for (std::size_t g = 0; g < param_groups_.size(); ++g) {
        const OptimizerParamGroup& group = param_groups_[g];
        c.tensors[group_key(g, "size")] = int64_scalar(static_cast<int64_t>(group.params().size()));
        for (const auto& [name, value] : group.options().values())
            c.tensors[group_key(g, "options." + name)] = float64_scalar(value);
        for (const Tensor& p : group.params()) {
            c.tensors[str_cat("params.", index, ".shape")] = shape_tensor(p.sizes());
            if (const OptimizerParamState* s = state(p))
                for (const auto& [name, t] : s->tensors()) c.tensors[str_cat("state.", index, ".", name)] = t;
            ++index;
        }
    }
    return c;
}

void Optimizer::restore(const Checkpoint& checkpoint) {
    const Reader r(checkpoint);
    const std::string& format = r.meta("format");
    EMBER_ENFORCE(format == kFormat, ValueError, "load(optimizer): the file's format is \"", format, "\", not \"",
                  kFormat, "\" (a module checkpoint loads with ember::load(module, path))");
    const std::string& saved_type = r.meta("optimizer");
    const std::string this_type = type_name(*this);
    EMBER_ENFORCE(saved_type == this_type, ValueError, "load(optimizer): the checkpoint was saved from an ", saved_type,
                  " and cannot be loaded into an ", this_type);
    EMBER_ENFORCE(r.meta("param_groups") == std::to_string(param_groups_.size()), ValueError,
                  "load(optimizer): the checkpoint has ", r.meta("param_groups"), " parameter groups, this ", this_type,
                  " has ", param_groups_.size());

    // Everything is read and checked first; the optimizer changes only once all of it fits.
    std::vector<std::map<std::string, double>> group_values(param_groups_.size());
    std::vector<std::unique_ptr<OptimizerParamState>> states;
    std::vector<const Tensor*> params;
    std::size_t index = 0;
    for (std::size_t g = 0; g < param_groups_.size(); ++g) {
        const OptimizerParamGroup& group = param_groups_[g];
        const int64_t n = r.integer(group_key(g, "size"));
        EMBER_ENFORCE(n == static_cast<int64_t>(group.params().size()), ValueError, "load(optimizer): group ", g,
                      " of the checkpoint has ", n, " parameters, group ", g, " of this optimizer has ",
                      group.params().size(), " (saved from a different model?)");
        for (const auto& [name, value] : group.options().values()) {
            (void)value;
            group_values[g][name] = r.number(group_key(g, "options." + name));
        }
        for (const Tensor& p : group.params()) {
            const Tensor& shape = r.tensor(str_cat("params.", index, ".shape"));
            EMBER_ENFORCE(shape.dtype() == kInt64 && shape.dim() == 1 && shape_tensor(p.sizes()).equal(shape),
                          ValueError, "load(optimizer): parameter ", index, " was saved with shape ",
                          shape.dtype() == kInt64 ? shape_str(shape.to_vector<int64_t>()) : describe(shape),
                          " but this optimizer's parameter ", index, " has shape ", shape_str(p.sizes()),
                          " (saved from a different model?)");
            params.push_back(&p);
            ++index;
        }
    }
    states.resize(params.size());
    const std::string prefix = "state.";
    std::vector<std::map<std::string, Tensor>> state_tensors(params.size());
    for (const auto& [key, t] : checkpoint.tensors) {
        if (key.rfind(prefix, 0) != 0) continue;
        const std::size_t dot = key.find('.', prefix.size());
        const std::string number = key.substr(prefix.size(), dot - prefix.size());
        const bool valid = dot != std::string::npos && !number.empty() &&
                           number.find_first_not_of("0123456789") == std::string::npos && number.size() < 10 &&
                           std::stoul(number) < params.size();
        EMBER_ENFORCE(valid, ValueError, "load(optimizer): state entry \"", key, "\" names no parameter of the ",
                      params.size(), " this optimizer has");
        state_tensors[std::stoul(number)][key.substr(dot + 1)] = t;
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (state_tensors[i].empty()) continue;
        states[i] = make_param_state();
        states[i]->set_tensors(state_tensors[i]);
        // Every state tensor but the step count has its parameter's shape; it goes to the
        // parameter's device and dtype now (the file holds CPU tensors).
        std::map<std::string, Tensor> moved = states[i]->tensors();
        for (auto& [name, t] : moved) {
            if (name == "step") continue;
            EMBER_ENFORCE(t.sizes() == params[i]->sizes(), ValueError, "load(optimizer): state \"", name,
                          "\" of parameter ", i, " has shape ", shape_str(t.sizes()), ", the parameter ",
                          shape_str(params[i]->sizes()));
            follow_parameter(t, *params[i]);
        }
        states[i]->set_tensors(moved);
    }

    for (std::size_t g = 0; g < param_groups_.size(); ++g) param_groups_[g].options().set_values(group_values[g]);
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (states[i])
            state_[params[i]->impl()] = std::move(states[i]);
        else
            state_.erase(params[i]->impl());
    }
}

}  // namespace ember::optim

namespace ember {

void save(const optim::Optimizer& optimizer, const std::string& path) {
    optim::Optimizer::Checkpoint c = optimizer.checkpoint();
    save_tensors(c.tensors, path, c.metadata);
}

void load(optim::Optimizer& optimizer, const std::string& path) {
    optim::Optimizer::Checkpoint c;
    c.tensors = load_tensors(path);
    c.metadata = load_tensors_metadata(path);
    optimizer.restore(c);
}

}  // namespace ember
