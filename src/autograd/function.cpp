#include "ember/autograd/function.h"

namespace ember::autograd {

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
    EMBER_CHECK(!released_, AutogradError,
                "custom Function: saved variables were already freed by a previous backward; use retain_graph=true");
    if (!to_save_.empty()) return to_save_;  // forward did not record (no input required grad)
    std::vector<Tensor> out;
    for (const SavedTensor& s : saved_) out.push_back(s.unpack(*node_));
    return out;
}

}  // namespace ember::autograd
