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

// EMBER_ENFORCE(cond, ErrorType, parts...): throws ErrorType(str_cat(parts...)) when cond is false.
// ember's own checks use it, so that each names the kind of misuse.
#define EMBER_ENFORCE(cond, ErrorType, ...)                 \
    do {                                                    \
        if (!(cond)) [[unlikely]]                           \
            throw ErrorType(::ember::str_cat(__VA_ARGS__)); \
    } while (0)

namespace ember::detail {
inline std::string check_message(const char* cond) { return str_cat("Expected ", cond, " to be true, but got false."); }
template <typename... Parts>
std::string check_message(const char*, const Parts&... parts) {
    return str_cat(parts...);
}
}  // namespace ember::detail

// libtorch's checks, for programs ported from it: EMBER_CHECK(cond, parts...) throws ember::Error
// with the parts as its message (or, without parts, one naming the condition), as TORCH_CHECK
// throws c10::Error; the _INDEX, _VALUE, _TYPE and _NOT_IMPLEMENTED forms throw IndexError,
// ValueError, DTypeError and NotImplementedError, as TORCH_CHECK_INDEX ... throw theirs.
#define EMBER_CHECK_AS_(ErrorType, cond, ...)                                                  \
    do {                                                                                       \
        if (!(cond)) [[unlikely]]                                                              \
            throw ErrorType(::ember::detail::check_message(#cond __VA_OPT__(, ) __VA_ARGS__)); \
    } while (0)
#define EMBER_CHECK(cond, ...) EMBER_CHECK_AS_(::ember::Error, cond __VA_OPT__(, ) __VA_ARGS__)
#define EMBER_CHECK_INDEX(cond, ...) EMBER_CHECK_AS_(::ember::IndexError, cond __VA_OPT__(, ) __VA_ARGS__)
#define EMBER_CHECK_VALUE(cond, ...) EMBER_CHECK_AS_(::ember::ValueError, cond __VA_OPT__(, ) __VA_ARGS__)
#define EMBER_CHECK_TYPE(cond, ...) EMBER_CHECK_AS_(::ember::DTypeError, cond __VA_OPT__(, ) __VA_ARGS__)
#define EMBER_CHECK_NOT_IMPLEMENTED(cond, ...) \
    EMBER_CHECK_AS_(::ember::NotImplementedError, cond __VA_OPT__(, ) __VA_ARGS__)
#define EMBER_INTERNAL_ASSERT(cond, ...) EMBER_CHECK_AS_(::ember::Error, cond __VA_OPT__(, ) __VA_ARGS__)
