// Printing in PyTorch's style:
//   tensor([[ 0.1000, -2.0000],
//           [ 3.0000,  4.5000]], dtype=float64, requires_grad=True)
#include <cmath>
#include <iomanip>
#include <sstream>

#include "ops/internal.h"

namespace ember {

namespace {

struct Format {
    bool integral = true;  // every value is a whole number: print "1." style
    bool scientific = false;
    int width = 1;
    int precision = 4;
};

std::string format_value(double v, ScalarType t, const Format& f) {
    std::ostringstream os;
    if (t == kBool) return v != 0 ? "True" : "False";
    if (is_integral(t)) {
        os << static_cast<int64_t>(v);
        return os.str();
    }
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (f.scientific) {
        os << std::scientific << std::setprecision(f.precision) << v;
    } else if (f.integral) {
        os << std::fixed << std::setprecision(0) << v << '.';
    } else {
        os << std::fixed << std::setprecision(f.precision) << v;
    }
    return os.str();
}

Format choose_format(const std::vector<double>& values, ScalarType t) {
    Format f;
    double max_abs = 0, min_abs = INFINITY;
    for (double v : values) {
        if (!std::isfinite(v)) continue;
        if (v != std::floor(v)) f.integral = false;
        max_abs = std::max(max_abs, std::abs(v));
        if (v != 0) min_abs = std::min(min_abs, std::abs(v));
    }
    if (is_floating(t) && (max_abs >= 1e8 || (min_abs < 1e-4 && !f.integral) || (f.integral && max_abs >= 1e8)))
        f.scientific = true;
    for (double v : values) f.width = std::max<int>(f.width, static_cast<int>(format_value(v, t, f).size()));
    return f;
}

// Recursively prints dims; long dims show their first and last 3 entries around "...".
void print_dims(std::ostream& os, const std::vector<double>& v, IntArrayRef sizes, IntArrayRef strides, int64_t base,
                std::size_t d, ScalarType t, const Format& f, int indent, bool summarize) {
    if (d == sizes.size()) {
        std::string s = format_value(v[static_cast<std::size_t>(base)], t, f);
        os << std::string(static_cast<std::size_t>(f.width) - s.size(), ' ') << s;
        return;
    }
    const int64_t n = sizes[d];
    os << '[';
    for (int64_t i = 0; i < n; ++i) {
        if (summarize && n > 6 && i == 3) {
            os << "...";
            i = n - 3;
            if (d + 1 == sizes.size())
                os << ", ";
            else
                os << ",\n" << std::string(static_cast<std::size_t>(indent + 1), ' ');
        }
        print_dims(os, v, sizes, strides, base + i * strides[d], d + 1, t, f, indent + 1, summarize);
        if (i + 1 < n) {
            if (d + 1 == sizes.size())
                os << ", ";
            else
                os << ',' << std::string(sizes.size() - d - 1, '\n')
                   << std::string(static_cast<std::size_t>(indent + 1), ' ');
        }
    }
    os << ']';
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
    if (!t.defined()) return os << "tensor(undefined)";
    std::vector<double> values = t.to_vector<double>();
    const bool summarize = t.numel() > 1000;
    Format f = choose_format(values, t.dtype());
    Shape strides = contiguous_strides(t.sizes());
    os << "tensor(";
    if (t.dim() == 0)
        os << format_value(values[0], t.dtype(), f);
    else
        print_dims(os, values, t.sizes(), strides, 0, 0, t.dtype(), f, 7, summarize);
    if (t.is_cuda()) os << ", device='" << t.device().str() << "'";
    // float32, int64 and bool are the dtypes PyTorch infers from literals, so it leaves them out.
    if (t.dtype() != kFloat32 && t.dtype() != kInt64 && t.dtype() != kBool) os << ", dtype=" << dtype_name(t.dtype());
    if (t.numel() == 0) os << ", size=" << shape_str(t.sizes());
    if (t.grad_fn())  // the node's name is libtorch's: grad_fn=<MulBackward0>
        os << ", grad_fn=<" << t.grad_fn()->name() << ">";
    else if (t.requires_grad())
        os << ", requires_grad=True";
    return os << ')';
}

std::string Tensor::toString() const {
    std::ostringstream os;
    os << *this;
    return os.str();
}

}  // namespace ember
