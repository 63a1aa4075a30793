// IDX reader and writer (format in include/ember/data/idx.h).
#include "ember/data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "data/file_io.h"
#include "data/readers.h"
#include "ember/ops/ops.h"

namespace ember::data {

using detail::FileReader;

int64_t idx_element_size(IdxType type) {
    switch (type) {
        case IdxType::UByte:
        case IdxType::SByte: return 1;
        case IdxType::Short: return 2;
        case IdxType::Int:
        case IdxType::Float: return 4;
        case IdxType::Double: return 8;
    }
    return 0;
}

const char* idx_type_name(IdxType type) {
    switch (type) {
        case IdxType::UByte: return "ubyte (0x08)";
        case IdxType::SByte: return "sbyte (0x09)";
        case IdxType::Short: return "short (0x0B)";
        case IdxType::Int: return "int (0x0C)";
        case IdxType::Float: return "float (0x0D)";
        case IdxType::Double: return "double (0x0E)";
    }
    return "?";
}

namespace {

constexpr char kWhat[] = "IDX file";

bool valid_type(uint8_t t) { return t == 0x08 || t == 0x09 || t == 0x0B || t == 0x0C || t == 0x0D || t == 0x0E; }

uint32_t load_be32(const uint8_t* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
uint64_t load_be64(const uint8_t* p) { return (uint64_t(load_be32(p)) << 32) | load_be32(p + 4); }

// A byte stream over either the plain file or its gzip decompression, so that the header and
// payload checks below are written once. The decompression runs zlib's inflate over the
// FileReader's bytes (not gzopen on the path), so an in-memory buffer is read the same way.
// A gzip file may hold several members one after the other (as `cat a.gz b.gz` makes); anything
// else after the last member, or a stream that ends inside a member, is an error.
class IdxSource {
public:
    explicit IdxSource(FileReader& file) : file_(file) {
        unsigned char magic[2] = {0, 0};
        uint64_t got = file_.read_some(magic, 2);
        gzip_ = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        file_.seek(0);
        if (gzip_) {
            zs_ = std::make_unique<z_stream>();
            std::memset(zs_.get(), 0, sizeof(z_stream));
            // 16 + MAX_WBITS: a gzip wrapper (header, CRC-32 and length trailer checked by zlib).
            if (inflateInit2(zs_.get(), 16 + MAX_WBITS) != Z_OK) {
                zs_.reset();
                fail("cannot initialise zlib");
            }
            in_.resize(1 << 16);
        }
    }
    ~IdxSource() {
        if (zs_) inflateEnd(zs_.get());
    }
    IdxSource(const IdxSource&) = delete;
    IdxSource& operator=(const IdxSource&) = delete;

    bool gzip() const { return gzip_; }
    uint64_t compressed_size() const { return file_.size(); }
    [[noreturn]] void fail(const std::string& m) const { file_.fail(m); }

    uint64_t read_some(void* dst, uint64_t n) {
        if (!gzip_) return file_.read_some(dst, n);
        auto* out = static_cast<unsigned char*>(dst);
        uint64_t got = 0;
        while (got < n && !ended_) {
            if (zs_->avail_in == 0) {
                const uint64_t r = file_.read_some(in_.data(), in_.size());
                zs_->next_in = in_.data();
                zs_->avail_in = static_cast<uInt>(r);
                if (r == 0) {
                    if (!in_member_) {
                        ended_ = true;
                        break;
                    }
                    fail(str_cat("the gzip stream is truncated: the file ends inside compressed data (after ",
                                 zs_->total_out, " decompressed bytes of its last member)"));
                }
            }
            if (!in_member_) {  // more bytes after a complete member: they must be another member
                if (inflateReset(zs_.get()) != Z_OK) fail("cannot reset zlib");
                in_member_ = true;
            }
            const uInt chunk = static_cast<uInt>(std::min<uint64_t>(n - got, 1u << 30));
            zs_->next_out = out + got;
            zs_->avail_out = chunk;
            const int rc = inflate(zs_.get(), Z_NO_FLUSH);
            got += chunk - zs_->avail_out;
            if (rc == Z_STREAM_END) {
                in_member_ = false;
            } else if (rc == Z_BUF_ERROR && zs_->avail_in == 0) {
                // needs more input: the loop reads it
            } else if (rc != Z_OK) {
                fail(str_cat("corrupt gzip data (zlib: ", zs_->msg ? zs_->msg : zError(rc), ")"));
            }
        }
        return got;
    }
    void read_exact(void* dst, uint64_t n, const char* field, uint64_t offset) {
        uint64_t got = read_some(dst, n);
        if (got != n)
            fail(str_cat("the ", gzip_ ? "decompressed " : "", "data is truncated: ", field, " needs ", n,
                         " bytes at offset ", offset, " but only ", got, " remain"));
    }

private:
    FileReader& file_;
    std::unique_ptr<z_stream> zs_;
    std::vector<unsigned char> in_;
    bool gzip_ = false;
    bool in_member_ = true;  // inside a gzip member (the first starts at byte 0)
    bool ended_ = false;
};

IdxFile read_idx_file_impl(FileReader& file) {
    IdxSource src(file);
    uint8_t magic[4];
    src.read_exact(magic, 4, "the 4-byte magic number", 0);
    if (magic[0] != 0 || magic[1] != 0)
        src.fail(str_cat("bad magic number: the first two bytes must be 0x00 0x00, got 0x", std::hex, int(magic[0]),
                         " 0x", int(magic[1]), " (not an IDX file?)"));
    if (!valid_type(magic[2]))
        src.fail(str_cat("unknown element type 0x", std::hex, int(magic[2]),
                         " (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)"));
    if (magic[3] == 0) src.fail("the header declares 0 dimensions (at least 1 is required)");

    IdxFile out;
    out.type = static_cast<IdxType>(magic[2]);
    const int ndim = magic[3];
    std::vector<uint8_t> dims(4 * static_cast<std::size_t>(ndim));
    src.read_exact(dims.data(), dims.size(), "the dimension sizes", 4);
    for (int i = 0; i < ndim; ++i) out.shape.push_back(load_be32(&dims[4 * i]));
    // The payload size is a product of up to 255 uint32 values: every multiplication is checked,
    // and so are the strides of the tensor it becomes.
    int64_t nbytes = 0;
    if (!detail::shape_nbytes(out.shape.data(), out.shape.size(), idx_element_size(out.type), nbytes))
        src.fail(str_cat("the dimension sizes ", shape_str(out.shape), " overflow 64 bits when multiplied"));
    const uint64_t header = 4 + 4 * static_cast<uint64_t>(ndim);
    const uint64_t need = static_cast<uint64_t>(nbytes);
    if (!src.gzip()) {
        // The exact size is known: check before allocating anything.
        if (src.compressed_size() != header + need)
            src.fail(str_cat("the header declares shape ", shape_str(out.shape), " of ", idx_type_name(out.type), " = ",
                             need, " data bytes after a ", header, "-byte header (", header + need,
                             " bytes in all), but the file has ", src.compressed_size(), " bytes"));
        out.payload.resize(need);
        src.read_exact(out.payload.data(), need, "the data", header);
    } else {
        // Deflate cannot compress better than about 1032:1, so a claim beyond that is a lie (or a
        // decompression bomb); refuse before allocating.
        const uint64_t bound = src.compressed_size() * 1100 + (1u << 16);
        if (need > bound)
            src.fail(str_cat("the header declares shape ", shape_str(out.shape), " (", need,
                             " data bytes) but a gzip file of ", src.compressed_size(), " bytes cannot hold more than ",
                             bound));
        // Even below the bound the claim may be a lie: grow the payload as the data arrives, so a
        // short stream fails before the full claimed size is allocated.
        constexpr uint64_t kChunk = uint64_t(1) << 24;
        while (out.payload.size() < need) {
            const uint64_t have = out.payload.size(), step = std::min(kChunk, need - have);
            out.payload.resize(have + step);
            const uint64_t got = src.read_some(out.payload.data() + have, step);
            if (got != step)
                src.fail(str_cat("the decompressed data is truncated: the data needs ", need, " bytes at offset ",
                                 header, " but only ", have + got, " remain"));
        }
    }
    uint8_t extra;
    if (src.read_some(&extra, 1) != 0)
        src.fail(str_cat("trailing data: the header declares shape ", shape_str(out.shape), " (", need,
                         " data bytes) but the ", src.gzip() ? "decompressed stream" : "file", " is longer"));
    return out;
}

Tensor decode_idx(const IdxFile& f) {
    const uint8_t* p = f.payload.data();
    const int64_t n = static_cast<int64_t>(f.payload.size()) / idx_element_size(f.type);
    auto fill = [&](ScalarType dtype, auto decode) {
        Tensor t = empty(f.shape, dtype);
        using T = decltype(decode(p));
        T* out = n ? t.data_ptr<T>() : nullptr;
        const int64_t es = idx_element_size(f.type);
        for (int64_t i = 0; i < n; ++i) out[i] = decode(p + i * es);
        return t;
    };
    switch (f.type) {
        case IdxType::UByte: return fill(kInt64, [](const uint8_t* q) -> int64_t { return q[0]; });
        case IdxType::SByte: return fill(kInt64, [](const uint8_t* q) -> int64_t { return static_cast<int8_t>(q[0]); });
        case IdxType::Short:
            return fill(kInt64, [](const uint8_t* q) -> int64_t {
                return static_cast<int16_t>(static_cast<uint16_t>((q[0] << 8) | q[1]));
            });
        case IdxType::Int:
            return fill(kInt64, [](const uint8_t* q) -> int64_t { return static_cast<int32_t>(load_be32(q)); });
        case IdxType::Float:
            return fill(kFloat32, [](const uint8_t* q) -> float { return std::bit_cast<float>(load_be32(q)); });
        case IdxType::Double:
            return fill(kFloat64, [](const uint8_t* q) -> double { return std::bit_cast<double>(load_be64(q)); });
    }
    throw IOError("invalid IDX file: unknown element type");  // unreachable: read_idx_file_impl checked it
}

}  // namespace

IdxFile read_idx_file(const std::string& path) {
    FileReader file(path, kWhat);
    return read_idx_file_impl(file);
}

Tensor read_idx(const std::string& path) { return decode_idx(read_idx_file(path)); }

namespace detail {

IdxFile read_idx_file_from_memory(std::span<const uint8_t> bytes, const std::string& name) {
    FileReader file(bytes.data(), bytes.size(), name, kWhat);
    return read_idx_file_impl(file);
}

Tensor read_idx_from_memory(std::span<const uint8_t> bytes, const std::string& name) {
    return decode_idx(read_idx_file_from_memory(bytes, name));
}

}  // namespace detail

void write_idx(const std::string& path, const Tensor& t, IdxType type) {
    const char* op = "write_idx";
    EMBER_ENFORCE(t.defined(), ValueError, op, ": undefined tensor");
    EMBER_ENFORCE(valid_type(static_cast<uint8_t>(type)), ValueError, op, ": unknown IDX type ", int(type));
    EMBER_ENFORCE(t.dim() >= 1 && t.dim() <= 255, ShapeError, op, ": IDX needs 1 to 255 dimensions, got ", describe(t));
    for (int64_t s : t.sizes())
        EMBER_ENFORCE(s <= int64_t(std::numeric_limits<uint32_t>::max()), ShapeError, op, ": size ", s, " of ",
                      describe(t), " does not fit the 32-bit IDX size field");
    // Encode into memory first: range errors are found before the file is created.
    Tensor src = t.detach().to(kCPU).to(kFloat64).contiguous();
    const double* v = t.numel() ? src.data_ptr<double>() : nullptr;
    const int64_t n = t.numel(), es = idx_element_size(type);
    std::vector<uint8_t> bytes(4 + 4 * t.dim() + n * es);
    bytes[2] = static_cast<uint8_t>(type);
    bytes[3] = static_cast<uint8_t>(t.dim());
    auto store_be = [](uint8_t* q, uint64_t x, int64_t width) {
        for (int64_t b = 0; b < width; ++b) q[b] = static_cast<uint8_t>(x >> (8 * (width - 1 - b)));
    };
    for (int64_t d = 0; d < t.dim(); ++d) store_be(&bytes[4 + 4 * d], static_cast<uint64_t>(t.size(d)), 4);
    uint8_t* out = bytes.data() + 4 + 4 * t.dim();
    double lo = 0, hi = 0;
    switch (type) {
        case IdxType::UByte: lo = 0, hi = 255; break;
        case IdxType::SByte: lo = -128, hi = 127; break;
        case IdxType::Short: lo = -32768, hi = 32767; break;
        case IdxType::Int: lo = -2147483648.0, hi = 2147483647.0; break;
        default: break;
    }
    for (int64_t i = 0; i < n; ++i) {
        uint8_t* q = out + i * es;
        if (type == IdxType::Float) {
            store_be(q, std::bit_cast<uint32_t>(static_cast<float>(v[i])), 4);
        } else if (type == IdxType::Double) {
            store_be(q, std::bit_cast<uint64_t>(v[i]), 8);
        } else {
            EMBER_ENFORCE(v[i] >= lo && v[i] <= hi && std::floor(v[i]) == v[i], ValueError, op, ": element ", i, " of ",
                          describe(t), " is ", v[i], ", not an integer in [", lo, ", ", hi, "] as ",
                          idx_type_name(type), " requires");
            store_be(q, static_cast<uint64_t>(static_cast<int64_t>(v[i])), es);
        }
    }
    detail::write_file_atomically(path, kWhat, [&](detail::FileWriter& w) { w.write(bytes.data(), bytes.size()); });
}

}  // namespace ember::data
