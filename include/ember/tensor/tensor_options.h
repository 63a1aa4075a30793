#pragma once
#include <optional>

#include "ember/tensor/device.h"
#include "ember/tensor/dtype.h"

namespace ember {

// Options for factories: TensorOptions().dtype(kFloat64).device(kCUDA).requires_grad(true),
// or the shorthands ember::dtype(..), ember::device(..), ember::requires_grad().
class TensorOptions {
public:
    TensorOptions() = default;
    TensorOptions(ScalarType t) : dtype_(t) {}
    TensorOptions(Device d) : device_(d), has_device_(true) {}
    TensorOptions(DeviceType d) : device_(d), has_device_(true) {}

    TensorOptions dtype(ScalarType t) const {
        TensorOptions o = *this;
        o.dtype_ = t;
        return o;
    }
    TensorOptions device(Device d) const {
        TensorOptions o = *this;
        o.device_ = d;
        o.has_device_ = true;
        return o;
    }
    TensorOptions device(DeviceType d, int index = 0) const { return device(Device(d, index)); }
    TensorOptions requires_grad(bool r) const {
        TensorOptions o = *this;
        o.requires_grad_ = r;
        return o;
    }
    // The dtype set, or the default float32 when none was (libtorch's default dtype); factories
    // that infer a dtype from their data (tensor({1, 2}) is int64) ask has_dtype() first.
    ScalarType dtype() const { return dtype_.value_or(kFloat32); }
    bool has_dtype() const { return dtype_.has_value(); }
    // The device set, or the CPU when none was; has_device() says which (Tensor::to(options) and
    // new_zeros keep the tensor's own device when the options name none).
    Device device() const { return device_; }
    bool has_device() const { return has_device_; }
    bool requires_grad() const { return requires_grad_; }

private:
    std::optional<ScalarType> dtype_;
    Device device_;
    bool has_device_ = false;
    bool requires_grad_ = false;
};

inline TensorOptions dtype(ScalarType t) { return TensorOptions().dtype(t); }
inline TensorOptions device(Device d) { return TensorOptions().device(d); }
inline TensorOptions device(DeviceType d) { return TensorOptions().device(Device(d)); }
inline TensorOptions requires_grad(bool r = true) { return TensorOptions().requires_grad(r); }

}  // namespace ember
