#include "ember/nn/module.h"

#include <cxxabi.h>

#include <cstdlib>
#include <iomanip>
#include <set>
#include <sstream>

namespace ember::nn {

std::string type_name(const std::type_info& type) {
    int status = 0;
    char* name = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
    std::string out = status == 0 && name ? name : type.name();
    std::free(name);
    return out;
}

void set_data(Tensor& t, const Tensor& value) {
    TensorImpl* dst = t.impl();
    const TensorImpl* src = value.impl();
    EMBER_ENFORCE(dst && src, ValueError, "set_data: undefined tensor");
    dst->sizes = src->sizes;
    dst->strides = src->strides;
    dst->storage_offset = src->storage_offset;
    dst->numel = src->numel;
    dst->dtype = src->dtype;
    dst->device = src->device;
    dst->is_contiguous = src->is_contiguous;
    dst->storage = src->storage;
}

void Module::check_name(const std::string& name, const char* op) const {
    EMBER_ENFORCE(!name.empty() && name.find('.') == std::string::npos, ValueError, op, ": invalid name \"", name,
                  "\" in ", this->name(), " (names are non-empty and contain no '.')");
    EMBER_ENFORCE(!parameters_.contains(name) && !buffers_.contains(name) && !children_.contains(name), ValueError, op,
                  ": \"", name, "\" is already registered in ", this->name());
}

Tensor& Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
    check_name(name, "register_parameter");
    EMBER_ENFORCE(tensor.defined(), ValueError, "register_parameter: \"", name, "\" is an undefined tensor");
    // A parameter is a leaf: detach it from any history that produced its initial value.
    Tensor p = tensor.detach();
    if (requires_grad) p.requires_grad_(true);
    return parameters_.insert(std::move(name), p);
}

Tensor& Module::register_buffer(std::string name, Tensor tensor) {
    check_name(name, "register_buffer");
    return buffers_.insert(std::move(name), tensor.detach());
}

void Module::replace_module(const std::string& name, std::shared_ptr<Module> module) {
    auto* slot = children_.find(name);
    EMBER_ENFORCE(slot != nullptr, IndexError, "replace_module: ", this->name(), " has no child \"", name, "\"");
    *slot = std::move(module);
}

void Module::unregister_module(const std::string& name) {
    EMBER_ENFORCE(children_.contains(name), IndexError, "unregister_module: ", this->name(), " has no child \"", name,
                  "\"");
    children_.erase(name);
}

namespace {
template <typename Get>
void collect(const Module& m, const std::string& prefix, bool recurse, OrderedDict<Tensor>& out,
             std::set<const TensorImpl*>& seen, Get get) {
    for (const auto& item : get(m))
        if (seen.insert(item.second.impl()).second) out.insert(prefix + item.first, item.second);
    if (!recurse) return;
    for (const auto& child : m.named_children())
        collect(*child.second, prefix + child.first + ".", true, out, seen, get);
}
}  // namespace

OrderedDict<Tensor> Module::named_parameters(bool recurse) const {
    OrderedDict<Tensor> out;
    std::set<const TensorImpl*> seen;  // a shared parameter is listed once
    collect(*this, "", recurse, out, seen, [](const Module& m) -> const OrderedDict<Tensor>& { return m.parameters_; });
    return out;
}
std::vector<Tensor> Module::parameters(bool recurse) const { return named_parameters(recurse).values(); }

OrderedDict<Tensor> Module::named_buffers(bool recurse) const {
    OrderedDict<Tensor> out;
    std::set<const TensorImpl*> seen;
    collect(*this, "", recurse, out, seen, [](const Module& m) -> const OrderedDict<Tensor>& { return m.buffers_; });
    return out;
}
std::vector<Tensor> Module::buffers(bool recurse) const { return named_buffers(recurse).values(); }

std::vector<std::shared_ptr<Module>> Module::children() const { return children_.values(); }
OrderedDict<std::shared_ptr<Module>> Module::named_children() const { return children_; }

std::vector<std::shared_ptr<Module>> Module::modules(bool include_self) {
    std::vector<std::shared_ptr<Module>> out;
    for (auto& item : named_modules(std::string(), include_self)) out.push_back(item.second);
    return out;
}

namespace {
// Pre-order: each child, then its subtree, before the next child.
void collect_modules(const Module& m, const std::string& prefix, OrderedDict<std::shared_ptr<Module>>& out) {
    for (const auto& [name, child] : m.named_children()) {
        const std::string path = prefix.empty() ? name : prefix + "." + name;
        out.insert(path, child);
        collect_modules(*child, path, out);
    }
}
}  // namespace

OrderedDict<std::shared_ptr<Module>> Module::named_modules(const std::string& name_prefix, bool include_self) {
    OrderedDict<std::shared_ptr<Module>> out;
    if (include_self) out.insert(name_prefix, shared_from_this());
    collect_modules(*this, name_prefix, out);
    return out;
}

void Module::apply(const std::function<void(Module&)>& fn) {
    for (const auto& m : modules()) fn(*m);
}
void Module::apply(const std::function<void(const std::string&, Module&)>& fn, const std::string& name_prefix) {
    for (const auto& [name, m] : named_modules(name_prefix)) fn(name, *m);
}
void Module::apply(const std::function<void(const std::shared_ptr<Module>&)>& fn) {
    for (const auto& m : modules()) fn(m);
}

OrderedDict<Tensor> Module::state_dict() const {
    OrderedDict<Tensor> out = named_parameters();
    for (auto& b : named_buffers()) out.insert(b.first, b.second);
    return out;
}

void Module::load_state_dict(const std::map<std::string, Tensor>& state, bool strict) {
    OrderedDict<Tensor> mine = state_dict();
    if (strict) {
        for (const auto& [k, v] : state)
            EMBER_ENFORCE(mine.contains(k), ValueError, "load_state_dict: unexpected key \"", k, "\" for ",
                          this->name());
    }
    NoGradGuard no_grad;
    for (auto& item : mine) {
        auto it = state.find(item.first);
        if (it == state.end()) {
            EMBER_ENFORCE(!strict, ValueError, "load_state_dict: missing key \"", item.first, "\" for ", this->name());
            continue;
        }
        Tensor& dst = item.second;
        EMBER_ENFORCE(it->second.sizes() == dst.sizes(), ShapeError, "load_state_dict: \"", item.first, "\" has shape ",
                      shape_str(it->second.sizes()), " in the state but ", shape_str(dst.sizes()), " in ",
                      this->name());
        dst.copy_(it->second);
    }
}

void Module::train(bool on) {
    training_ = on;
    for (auto& c : children_) c.second->train(on);
}

namespace {
void move_tensor(Tensor& t, Device device, std::optional<ScalarType> dtype) {
    NoGradGuard no_grad;
    Tensor moved = t.to(device);
    if (dtype) moved = moved.to(*dtype);  // every tensor, integer buffers too, as libtorch's Module::to
    if (moved.is_same(t)) return;
    set_data(t, moved);
    Tensor g = t.grad();
    if (g.defined()) {
        Tensor gm = g.to(device);
        if (dtype && g.is_floating_point()) gm = gm.to(*dtype);
        t.set_grad(gm);
    }
}
}  // namespace

void Module::to(Device device) {
    for (auto& p : parameters_) move_tensor(p.second, device, std::nullopt);
    for (auto& b : buffers_) move_tensor(b.second, device, std::nullopt);
    for (auto& c : children_) c.second->to(device);
}

void Module::to(ScalarType dtype) {
    for (auto& p : parameters_) move_tensor(p.second, p.second.device(), dtype);
    for (auto& b : buffers_) move_tensor(b.second, b.second.device(), dtype);
    for (auto& c : children_) c.second->to(dtype);
}

void Module::zero_grad(bool set_to_none) {
    for (Tensor& p : parameters()) {
        Tensor g = p.grad();
        if (!g.defined()) continue;
        if (set_to_none) {
            p.set_grad(Tensor());
        } else {
            NoGradGuard no_grad;
            g.zero_();
        }
    }
}

const std::string& Module::name() const {
    if (name_.empty()) name_ = type_name(typeid(*this));
    return name_;
}

void Module::pretty_print(std::ostream& os) const { os << name(); }

int64_t Module::num_parameters() const {
    int64_t n = 0;
    for (const Tensor& p : parameters()) n += p.numel();
    return n;
}

namespace {
void print_tree(std::ostream& os, const Module& m, const std::string& indent) {
    m.pretty_print(os);
    auto kids = m.named_children();
    if (kids.empty()) return;
    os << "(\n";
    for (const auto& c : kids) {
        os << indent << "  (" << c.first << "): ";
        print_tree(os, *c.second, indent + "  ");
        os << "\n";
    }
    os << indent << ")";
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const Module& m) {
    print_tree(os, m, "");
    return os;
}

std::string Module::summary() const {
    std::ostringstream os;
    os << *this << "\n";
    os << std::left << std::setw(32) << "parameter" << std::setw(20) << "shape" << std::right << std::setw(12)
       << "count"
       << "\n";
    int64_t total = 0;
    for (const auto& p : named_parameters()) {
        os << std::left << std::setw(32) << p.first << std::setw(20) << shape_str(p.second.sizes()) << std::right
           << std::setw(12) << p.second.numel() << "\n";
        total += p.second.numel();
    }
    os << "total parameters: " << total << "\n";
    return os.str();
}

}  // namespace ember::nn
