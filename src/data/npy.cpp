// NumPy .npy reader and writer (format in include/ember/data/serialize.h).
//
//   "\x93NUMPY" major minor  header_len (uint16 LE for 1.0, uint32 LE for 2.0/3.0)
//   header: a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//           padded with spaces and ended by '\n' so that the data starts at a multiple of 64
//   data:   prod(shape) elements, nothing after them.
#include <algorithm>
#include <bit>
#include <cctype>
#include <cstring>
#include <limits>
#include <vector>

#include "data/file_io.h"
#include "data/readers.h"
#include "ember/data/serialize.h"
#include "ember/ops/ops.h"

namespace ember {

namespace {

using data::detail::FileReader;

constexpr char kWhat[] = "npy file";
constexpr char kMagic[] = "\x93NUMPY";
// NumPy itself refuses headers above 10000 bytes by default; allow more, but not unbounded.
constexpr uint64_t kMaxHeaderBytes = 1 << 20;

// A value of the header dict: a string, a bool, or a tuple of integers (the only forms np.save
// writes). A tiny recursive-descent parser over exactly that subset of Python literal syntax.
struct PyValue {
    enum Kind { String, Bool, Tuple } kind = String;
    std::string str;
    bool flag = false;
    std::vector<int64_t> ints;
};

class HeaderParser {
public:
    HeaderParser(const std::string& text, FileReader& f) : s_(text), f_(f) {}

    std::vector<std::pair<std::string, PyValue>> parse_dict() {
        std::vector<std::pair<std::string, PyValue>> out;
        expect('{');
        while (!peek('}')) {
            std::string key = parse_string();
            expect(':');
            out.emplace_back(std::move(key), parse_value());
            if (!peek('}')) expect(',');
        }
        expect('}');
        skip_ws();
        if (i_ != s_.size()) fail("unexpected text after the header dict");
        return out;
    }

private:
    [[noreturn]] void fail(const std::string& what) {
        f_.fail(str_cat("malformed header dict at character ", i_, ": ", what, " (header: ", s_, ")"));
    }
    void skip_ws() {
        while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    bool peek(char c) {
        skip_ws();
        return i_ < s_.size() && s_[i_] == c;
    }
    void expect(char c) {
        if (!peek(c)) fail(str_cat("expected '", c, "'"));
        ++i_;
    }
    std::string parse_string() {
        skip_ws();
        if (i_ >= s_.size() || (s_[i_] != '\'' && s_[i_] != '"')) fail("expected a quoted string");
        const char quote = s_[i_++];
        std::string out;
        while (i_ < s_.size() && s_[i_] != quote) {
            if (s_[i_] == '\\') fail("escapes are not supported in header strings");
            out += s_[i_++];
        }
        if (i_ >= s_.size()) fail("unterminated string");
        ++i_;
        return out;
    }
    PyValue parse_value() {
        skip_ws();
        PyValue v;
        if (i_ < s_.size() && (s_[i_] == '\'' || s_[i_] == '"')) {
            v.str = parse_string();
        } else if (s_.compare(i_, 4, "True") == 0 || s_.compare(i_, 5, "False") == 0) {
            v.kind = PyValue::Bool;
            v.flag = s_[i_] == 'T';
            i_ += v.flag ? 4 : 5;
        } else if (peek('(')) {
            v.kind = PyValue::Tuple;
            ++i_;
            while (!peek(')')) {
                v.ints.push_back(parse_int());
                if (!peek(')')) expect(',');
            }
            ++i_;
        } else {
            fail("expected a string, True/False or a tuple");
        }
        return v;
    }
    int64_t parse_int() {
        skip_ws();
        if (i_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[i_])))
            fail("expected a non-negative integer in the shape");
        int64_t v = 0;
        while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) {
            if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s_[i_] - '0', &v))
                fail("shape entry overflows 64 bits");
            ++i_;
        }
        if (i_ < s_.size() && s_[i_] == 'L') ++i_;  // Python 2 long literal, as in old files
        return v;
    }

    const std::string& s_;
    FileReader& f_;
    std::size_t i_ = 0;
};

// How a descr maps to ember: the stored width and signedness, and the dtype it becomes.
struct Descr {
    ScalarType dtype;
    int width;  // bytes per stored element
    bool big_endian;
    char kind;  // 'f' float, 'i' signed int, 'u' unsigned int, 'b' bool
};

bool parse_descr(const std::string& d, Descr& out) {
    if (d.size() != 3) return false;
    const char order = d[0], kind = d[1], w = d[2];
    if (order != '<' && order != '>' && order != '|' && order != '=') return false;
    out.big_endian = order == '>';
    out.kind = kind;
    out.width = w - '0';
    switch (kind) {
        case 'f':
            if (out.width != 4 && out.width != 8) return false;
            out.dtype = out.width == 4 ? kFloat32 : kFloat64;
            return true;
        case 'i':
            if (out.width != 1 && out.width != 2 && out.width != 4 && out.width != 8) return false;
            out.dtype = kInt64;
            return true;
        case 'u':
            if (out.width != 1 && out.width != 2 && out.width != 4) return false;
            out.dtype = kInt64;
            return true;
        case 'b': out.dtype = kBool; return out.width == 1;
        default: return false;
    }
}

uint64_t load_uint(const uint8_t* p, int width, bool big_endian) {
    uint64_t v = 0;
    for (int b = 0; b < width; ++b) v |= uint64_t(p[big_endian ? width - 1 - b : b]) << (8 * b);
    return v;
}

const char* descr_of(ScalarType t) {
    switch (t) {
        case kFloat32: return "<f4";
        case kFloat64: return "<f8";
        case kInt64: return "<i8";
        case kBool: return "|b1";
        case kUInt8: return "|u1";
        case kInt32: return "<i4";
        case kFloat16: return "<f2";
        case kBFloat16: break;  // NumPy has no bfloat16 (save_npy refuses it)
    }
    return "?";
}

}  // namespace

void save_tensor_npy(const Tensor& t, const std::string& path) {
    EMBER_ENFORCE(t.defined(), ValueError, "save_tensor_npy: undefined tensor (saving '", path, "')");
    EMBER_ENFORCE(t.dtype() != kBFloat16, DTypeError, "save_tensor_npy: NumPy has no bfloat16 dtype, cannot save ",
                  describe(t), " to '", path, "' (convert it with .to(kFloat32) first)");
    static_assert(std::endian::native == std::endian::little, "npy writer assumes a little-endian host");
    Tensor c = t.detach().to(kCPU).contiguous();
    std::string shape = "(";
    for (int64_t d = 0; d < c.dim(); ++d) shape += str_cat(c.size(d), d + 1 < c.dim() || c.dim() == 1 ? ", " : "");
    if (c.dim() == 1) shape.pop_back();  // "(3,)": a one-tuple needs its comma
    shape += ")";
    std::string header =
        str_cat("{'descr': '", descr_of(c.dtype()), "', 'fortran_order': False, 'shape': ", shape, ", }");
    // Version 1.0 stores the header length in 16 bits; longer headers (thousands of dims) need 2.0.
    const bool v2 = header.size() + 1 + 10 > 65535;
    const std::size_t prefix = v2 ? 12 : 10;
    header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    std::vector<uint8_t> head(prefix);
    std::memcpy(head.data(), kMagic, 6);
    head[6] = v2 ? 2 : 1;
    head[7] = 0;
    for (std::size_t i = 0; i < prefix - 8; ++i) head[8 + i] = static_cast<uint8_t>(header.size() >> (8 * i));
    data::detail::write_file_atomically(path, kWhat, [&](data::detail::FileWriter& w) {
        w.write(head.data(), head.size());
        w.write(header.data(), header.size());
        if (c.nbytes()) w.write(c.raw_data_ptr(), static_cast<uint64_t>(c.nbytes()));
    });
}

namespace {

Tensor load_npy_impl(FileReader& f) {
    uint8_t head[12];
    if (f.size() < 10) f.fail(str_cat("the file has ", f.size(), " bytes, fewer than the 10-byte npy preamble"));
    f.read_exact(head, 8, "the magic string and version");
    if (std::memcmp(head, kMagic, 6) != 0) f.fail("bad magic: the file does not start with \\x93NUMPY");
    const int major = head[6], minor = head[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        f.fail(str_cat("unsupported format version ", major, ".", minor, " (ember reads 1.0, 2.0 and 3.0)"));
    const int len_bytes = major == 1 ? 2 : 4;
    f.read_exact(head + 8, len_bytes, "the header length");
    const uint64_t hlen = load_uint(head + 8, len_bytes, false);
    const uint64_t data_start = 8 + len_bytes + hlen;
    if (hlen > kMaxHeaderBytes) f.fail(str_cat("the header length ", hlen, " exceeds the limit of ", kMaxHeaderBytes));
    if (data_start > f.size())
        f.fail(str_cat("the header length says ", hlen, " bytes but only ", f.size() - 8 - len_bytes,
                       " bytes follow (truncated file or lying header length)"));
    std::string text(hlen, '\0');
    f.read_exact(text.data(), hlen, "the header");

    HeaderParser parser(text, f);
    bool has_descr = false, has_order = false, has_shape = false, fortran = false;
    Descr descr{};
    std::string descr_text;
    std::vector<int64_t> shape;
    for (auto& [key, v] : parser.parse_dict()) {
        if (key == "descr") {
            if (has_descr || v.kind != PyValue::String) f.fail("'descr' must appear once, as a string");
            descr_text = v.str;
            if (!parse_descr(v.str, descr))
                f.fail(str_cat("unsupported descr '", v.str,
                               "' (ember reads f4 f8 i1 i2 i4 i8 u1 u2 u4 b1, any byte order; no structured dtypes)"));
            has_descr = true;
        } else if (key == "fortran_order") {
            if (has_order || v.kind != PyValue::Bool) f.fail("'fortran_order' must appear once, as True or False");
            fortran = v.flag;
            has_order = true;
        } else if (key == "shape") {
            if (has_shape || v.kind != PyValue::Tuple) f.fail("'shape' must appear once, as a tuple of integers");
            shape = v.ints;
            has_shape = true;
        } else {
            f.fail(str_cat("unexpected header key '", key, "'"));
        }
    }
    if (!has_descr || !has_order || !has_shape) f.fail("the header must have 'descr', 'fortran_order' and 'shape'");
    // The stored and the decoded byte size, and the strides of the result, must all fit 64 bits
    // (the decoded element may be wider than the stored one: i1 becomes int64).
    int64_t nbytes = 0, decoded = 0;
    if (!data::detail::shape_nbytes(shape.data(), shape.size(), descr.width, nbytes) ||
        !data::detail::shape_nbytes(shape.data(), shape.size(), element_size(descr.dtype), decoded))
        f.fail(str_cat("shape ", shape_str(shape), " overflows 64 bits"));
    const int64_t numel = nbytes / descr.width;
    if (f.size() - data_start != static_cast<uint64_t>(nbytes))
        f.fail(str_cat("shape ", shape_str(shape), " of '", descr_text, "' needs ", nbytes,
                       " data bytes after the header but the file has ", f.size() - data_start));

    // A Fortran-order array of shape (a, b, c) is, byte for byte, a C-order array of shape
    // (c, b, a); read it as that and permute the axes back.
    std::vector<int64_t> stored = shape;
    if (fortran) std::reverse(stored.begin(), stored.end());
    Tensor t = empty(stored, descr.dtype);
    const bool direct = descr.width == element_size(descr.dtype) && !descr.big_endian;
    if (direct) {
        f.read_exact(numel ? t.raw_data_ptr() : nullptr, static_cast<uint64_t>(nbytes), "the array data");
    } else {
        std::vector<uint8_t> raw(static_cast<std::size_t>(nbytes));
        f.read_exact(raw.data(), raw.size(), "the array data");
        void* dst = t.raw_data_ptr();
        for (int64_t i = 0; i < numel; ++i) {
            const uint64_t bits = load_uint(raw.data() + i * descr.width, descr.width, descr.big_endian);
            if (descr.dtype == kFloat32) {
                static_cast<float*>(dst)[i] = std::bit_cast<float>(static_cast<uint32_t>(bits));
            } else if (descr.dtype == kFloat64) {
                static_cast<double*>(dst)[i] = std::bit_cast<double>(bits);
            } else if (descr.kind == 'u') {
                static_cast<int64_t*>(dst)[i] = static_cast<int64_t>(bits);
            } else {  // sign-extend a narrower (or byte-swapped) signed integer
                const int shift = 64 - 8 * descr.width;
                static_cast<int64_t*>(dst)[i] = static_cast<int64_t>(bits << shift) >> shift;
            }
        }
    }
    if (descr.dtype == kBool) {  // b1 is always read directly
        const auto* b = static_cast<const uint8_t*>(t.raw_data_ptr());
        for (int64_t i = 0; i < numel; ++i)
            if (b[i] > 1) f.fail(str_cat("bool element ", i, " has byte value ", int(b[i]), " (must be 0 or 1)"));
    }
    if (fortran && t.dim() > 1) {
        std::vector<int64_t> perm(static_cast<std::size_t>(t.dim()));
        for (int64_t d = 0; d < t.dim(); ++d) perm[d] = t.dim() - 1 - d;
        t = t.permute(perm).contiguous();
    }
    return t;
}

}  // namespace

Tensor load_npy(const std::string& path) {
    FileReader f(path, kWhat);
    return load_npy_impl(f);
}

namespace data::detail {

Tensor load_npy_from_memory(std::span<const uint8_t> bytes, const std::string& name) {
    FileReader f(bytes.data(), bytes.size(), name, kWhat);
    return load_npy_impl(f);
}

}  // namespace data::detail

}  // namespace ember
