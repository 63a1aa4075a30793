#pragma once
// The error hierarchy. Every misuse ember detects throws one of these; its message names the op,
// the shapes, dtypes and devices involved, and what was expected.
#include <sstream>
#include <stdexcept>
#include <string>

namespace ember {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& what) : std::runtime_error(what) {}
};
// Shapes that do not fit together (broadcasting, matmul inner sizes, view of a wrong numel).
class ShapeError : public Error {
    using Error::Error;
};
// A dtype an op does not accept, or two dtypes that cannot be mixed.
class DTypeError : public Error {
    using Error::Error;
};
// Tensors on different devices in one op, or a device that is not available.
class DeviceError : public Error {
    using Error::Error;
};
// An index or dimension out of range.
class IndexError : public Error {
    using Error::Error;
};
// An argument with a wrong value (negative size, probability outside [0, 1], ...).
class ValueError : public Error {
    using Error::Error;
};
// Misuse of autograd: backward twice through freed buffers, a saved tensor modified in place, ...
class AutogradError : public Error {
    using Error::Error;
};
// Anomaly mode (autograd::DetectAnomalyGuard) found NaN or Inf in an op's output or in a gradient;
// the message names the op (or backward node), the tensor's shape and dtype, and how many values.
class AnomalyError : public AutogradError {
    using AutogradError::AutogradError;
};
// A file that cannot be read or written, or whose content is malformed.
class IOError : public Error {
    using Error::Error;
};
// Something ember does not implement (yet) for these arguments, for example an op on a device.
class NotImplementedError : public Error {
    using Error::Error;
};

namespace detail {
inline void append(std::ostringstream&) {}
template <typename T, typename... Rest>
void append(std::ostringstream& os, const T& v, const Rest&... rest) {
    os << v;
    append(os, rest...);
}
}  // namespace detail

// Builds a message from its parts only when an error is actually thrown: the success path
// never formats a string.
template <typename... Parts>
std::string str_cat(const Parts&... parts) {
    std::ostringstream os;
    detail::append(os, parts...);
    return os.str();
}

}  // namespace ember

// EMBER_CHECK(cond, ErrorType, parts...): throws ErrorType(str_cat(parts...)) when cond is false.
#define EMBER_CHECK(cond, ErrorType, ...)                   \
    do {                                                    \
        if (!(cond)) [[unlikely]]                           \
            throw ErrorType(::ember::str_cat(__VA_ARGS__)); \
    } while (0)
