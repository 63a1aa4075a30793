#include "ember/autograd/function.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace ember::autograd {

std::string cpp_node_name(const std::type_info& function_type) {
    // The Itanium ABI demangler gives the type as written ("ns::MyFn", "(anonymous namespace)::MyFn"),
    // which is what libtorch's c10::demangle prints in its node names.
    int status = 0;
    std::unique_ptr<char, decltype(&std::free)> demangled(
        abi::__cxa_demangle(function_type.name(), nullptr, nullptr, &status), &std::free);
    std::string type = status == 0 && demangled ? demangled.get() : function_type.name();
    return "ember::autograd::CppNode<" + type + ">";
}

void AutogradContext::finish_saving(const std::vector<Tensor>& outputs) {
    saved_.clear();
    for (const Tensor& t : to_save_) {
        bool is_output = false;
        for (const Tensor& o : outputs)
            is_output |= t.defined() && o.storage() == t.storage() && o.sizes() == t.sizes() &&
                         o.strides() == t.strides() && o.storage_offset() == t.storage_offset();
        saved_.emplace_back(t, is_output);
    }
    to_save_.clear();
}

std::vector<Tensor> AutogradContext::get_saved_variables() const {
    EMBER_ENFORCE(!released_, AutogradError,
                  "custom Function: saved variables were already freed by a previous backward; use retain_graph=true");
    if (!to_save_.empty()) return to_save_;  // forward did not record (no input required grad)
    std::vector<Tensor> out;
    for (const SavedTensor& s : saved_) out.push_back(s.unpack(*node_));
    return out;
}

}  // namespace ember::autograd
