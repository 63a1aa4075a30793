// The containers' out-of-line parts: Sequential's forward and registration, ModuleList's
// positions, ModuleDict's keys, and Functional's constructor.
#include "ember/nn/functional_module.h"
#include "ember/nn/module_dict.h"
#include "ember/nn/module_list.h"
#include "ember/nn/sequential.h"

namespace ember::nn {

// ---- Sequential ----

Tensor SequentialImpl::forward(const Tensor& input) {
    EMBER_ENFORCE(!modules_.empty(), ValueError, "Sequential: forward() on an empty Sequential");
    Tensor h = modules_.front().forward(input);
    for (std::size_t i = 1; i < modules_.size(); ++i) h = modules_[i].forward(h);
    return h;
}

void SequentialImpl::push_back(std::string name, AnyModule module) {
    EMBER_ENFORCE(!module.is_empty(), ValueError, "Sequential::push_back: an empty module as layer \"", name, "\"");
    register_module(std::move(name), module.ptr());
    modules_.push_back(std::move(module));
}

std::size_t SequentialImpl::checked(std::size_t index) const {
    EMBER_ENFORCE(index < modules_.size(), IndexError, "Sequential: index ", index, " out of range for ",
                  modules_.size(), " layers");
    return index;
}

// ---- ModuleList ----

void ModuleListImpl::push_back(std::shared_ptr<Module> module) {
    EMBER_ENFORCE(module != nullptr, ValueError, "ModuleList::push_back: a null module");
    register_module(std::to_string(modules_.size()), module);
    modules_.push_back(std::move(module));
}

void ModuleListImpl::insert(std::size_t index, std::shared_ptr<Module> module) {
    EMBER_ENFORCE(index <= modules_.size(), IndexError, "ModuleList::insert: index ", index, " out of range for ",
                  modules_.size(), " modules (at most size())");
    EMBER_ENFORCE(module != nullptr, ValueError, "ModuleList::insert: a null module");
    if (index == modules_.size()) return push_back(std::move(module));
    modules_.insert(modules_.begin() + static_cast<std::ptrdiff_t>(index), std::move(module));
    // Children "index" .. "size - 2" now hold the modules one place further on; the last is new.
    for (std::size_t i = index; i + 1 < modules_.size(); ++i) replace_module(std::to_string(i), modules_[i]);
    register_module(std::to_string(modules_.size() - 1), modules_.back());
}

std::size_t ModuleListImpl::checked(std::size_t index) const {
    EMBER_ENFORCE(index < modules_.size(), IndexError, "ModuleList: index ", index, " out of range for ",
                  modules_.size(), " modules");
    return index;
}

// ---- ModuleDict ----

std::shared_ptr<Module> ModuleDictImpl::operator[](const std::string& key) const {
    const std::shared_ptr<Module>* m = modules_.find(key);
    EMBER_ENFORCE(m != nullptr, IndexError, "ModuleDict: no module \"", key, "\" (keys: ", modules_.size(),
                  " modules)");
    return *m;
}

std::shared_ptr<Module> ModuleDictImpl::pop(const std::string& key) {
    std::shared_ptr<Module> m = (*this)[key];
    modules_.erase(key);
    unregister_module(key);
    return m;
}

void ModuleDictImpl::clear() {
    for (const std::string& key : modules_.keys()) unregister_module(key);
    modules_.clear();
}

void ModuleDictImpl::insert(const std::string& key, std::shared_ptr<Module> module) {
    EMBER_ENFORCE(module != nullptr, ValueError, "ModuleDict: a null module for \"", key, "\"");
    if (std::shared_ptr<Module>* slot = modules_.find(key)) {
        *slot = module;
        replace_module(key, std::move(module));
    } else {
        register_module(key, module);
        modules_.insert(key, std::move(module));
    }
}

// ---- Functional ----

FunctionalImpl::FunctionalImpl(Function function) : Module("Functional"), function_(std::move(function)) {
    EMBER_ENFORCE(static_cast<bool>(function_), ValueError, "Functional: an empty function");
}

}  // namespace ember::nn
