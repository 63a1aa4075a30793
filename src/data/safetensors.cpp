// safetensors reader and writer (format in include/ember/data/serialize.h).
#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "data/file_io.h"
#include "data/readers.h"
#include "ember/data/serialize.h"
#include "ember/ops/ops.h"

namespace ember {

// The file is little-endian and tensors are copied byte for byte; a big-endian host would need
// a byte swap on every element, which nobody has asked for yet.
static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

namespace {

using json = nlohmann::json;
using data::detail::FileReader;
using data::detail::FileWriter;

constexpr char kWhat[] = "safetensors file";
constexpr char kMetadataKey[] = "__metadata__";
// Real headers are a few hundred bytes per tensor; the reference implementation caps them at
// 100 MB too. A larger length is a corrupt or hostile file, refused before allocating.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

const char* dtype_code(ScalarType t) {
    switch (t) {
        case kFloat32: return "F32";
        case kFloat64: return "F64";
        case kInt64: return "I64";
        case kBool: return "BOOL";
        case kUInt8: return "U8";
        case kInt32: return "I32";
        case kFloat16: return "F16";
        case kBFloat16: return "BF16";
    }
    return "?";
}

bool parse_dtype(const std::string& s, ScalarType& t) {
    if (s == "F32")
        t = kFloat32;
    else if (s == "F64")
        t = kFloat64;
    else if (s == "I64")
        t = kInt64;
    else if (s == "BOOL")
        t = kBool;
    else if (s == "U8")
        t = kUInt8;
    else if (s == "I32")
        t = kInt32;
    else if (s == "F16")
        t = kFloat16;
    else if (s == "BF16")
        t = kBFloat16;
    else
        return false;
    return true;
}

struct Entry {
    std::string name;
    ScalarType dtype = kFloat32;
    Shape shape;
    uint64_t begin = 0, end = 0;
};

struct Parsed {
    std::vector<Entry> entries;
    std::map<std::string, std::string> metadata;
    uint64_t buffer_start = 0;  // file offset of the byte buffer
};

// Parses and validates the header of an open file: every claim is checked against the file size
// before any tensor memory is allocated.
Parsed parse_header(FileReader& f) {
    if (f.size() < 8) f.fail(str_cat("the file has ", f.size(), " bytes, fewer than the 8-byte header length field"));
    uint8_t len_bytes[8];
    f.read_exact(len_bytes, 8, "the header length");
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | len_bytes[i];
    if (n > kMaxHeaderBytes)
        f.fail(str_cat("the header length field says ", n, " bytes, above the limit of ", kMaxHeaderBytes));
    if (n > f.size() - 8)
        f.fail(str_cat("the header length field says ", n, " bytes but only ", f.size() - 8,
                       " bytes follow it (truncated file or lying header length)"));
    if (n < 2) f.fail(str_cat("the header length field says ", n, " bytes, too short for a JSON object"));
    std::string text(n, '\0');
    f.read_exact(text.data(), n, "the JSON header");

    // nlohmann::json keeps the last of duplicate keys silently; a tensor named twice must be an
    // error, so track the keys of every open object during parsing.
    std::vector<std::set<std::string>> open_keys;
    std::string duplicate;
    json::parser_callback_t cb = [&](int, json::parse_event_t ev, json& parsed) {
        if (ev == json::parse_event_t::object_start)
            open_keys.emplace_back();
        else if (ev == json::parse_event_t::object_end && !open_keys.empty())
            open_keys.pop_back();
        else if (ev == json::parse_event_t::key && !open_keys.empty() && duplicate.empty()) {
            std::string k = parsed.get<std::string>();
            if (!open_keys.back().insert(k).second) duplicate = k;
        }
        return true;
    };
    json header;
    try {
        header = json::parse(text, cb);
    } catch (const json::exception& e) {
        f.fail(str_cat("the header is not valid JSON: ", e.what()));
    }
    if (!duplicate.empty()) f.fail(str_cat("the header names '", duplicate, "' more than once"));
    if (!header.is_object()) f.fail(str_cat("the header must be a JSON object, got ", header.type_name()));

    Parsed out;
    out.buffer_start = 8 + n;
    const uint64_t buffer_size = f.size() - out.buffer_start;
    for (auto& [key, info] : header.items()) {
        // A copy, not the structured binding itself: clang before 16 cannot capture a binding in
        // the lambda below.
        const std::string name = key;
        if (name == kMetadataKey) {
            if (!info.is_object()) f.fail(str_cat("\"__metadata__\" must be an object, got ", info.type_name()));
            for (auto& [k, v] : info.items()) {
                if (!v.is_string())
                    f.fail(str_cat("\"__metadata__\" value for key '", k, "' must be a string, got ", v.type_name()));
                out.metadata[k] = v.get<std::string>();
            }
            continue;
        }
        auto bad = [&](const std::string& what) { f.fail(str_cat("tensor '", name, "': ", what)); };
        if (!info.is_object()) bad(str_cat("entry must be an object, got ", info.type_name()));
        for (auto& [k, v] : info.items()) {
            (void)v;
            if (k != "dtype" && k != "shape" && k != "data_offsets") bad(str_cat("unexpected field '", k, "'"));
        }
        Entry e;
        e.name = name;
        if (!info.contains("dtype") || !info["dtype"].is_string()) bad("missing or non-string \"dtype\"");
        const std::string dt = info["dtype"].get<std::string>();
        if (!parse_dtype(dt, e.dtype))
            bad(str_cat("unsupported dtype \"", dt, "\" (ember reads F32, F64, F16, BF16, I64, I32, U8, BOOL)"));
        if (!info.contains("shape") || !info["shape"].is_array()) bad("missing or non-array \"shape\"");
        for (const json& d : info["shape"]) {
            if (!d.is_number_unsigned() || d.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
                bad(str_cat("shape entries must be non-negative integers, got ", d.dump()));
            e.shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
        }
        // nbytes = prod(shape) * element size; it and the tensor's strides checked for overflow.
        int64_t nbytes = 0;
        if (!data::detail::shape_nbytes(e.shape.data(), e.shape.size(), element_size(e.dtype), nbytes))
            bad(str_cat("shape ", shape_str(e.shape), " is too large: its byte size or strides overflow 64 bits"));
        const json* off = info.contains("data_offsets") ? &info["data_offsets"] : nullptr;
        if (!off || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
            !(*off)[1].is_number_unsigned())
            bad("\"data_offsets\" must be an array of two non-negative integers");
        e.begin = (*off)[0].get<uint64_t>();
        e.end = (*off)[1].get<uint64_t>();
        if (e.begin > e.end) bad(str_cat("data_offsets [", e.begin, ", ", e.end, "] are reversed"));
        if (e.end > buffer_size)
            bad(str_cat("data_offsets [", e.begin, ", ", e.end, "] run past the end of the ", buffer_size,
                        "-byte data buffer (truncated file?)"));
        if (e.end - e.begin != static_cast<uint64_t>(nbytes))
            bad(str_cat("shape ", shape_str(e.shape), " of ", dt, " needs ", nbytes, " bytes but data_offsets [",
                        e.begin, ", ", e.end, "] span ", e.end - e.begin));
        out.entries.push_back(std::move(e));
    }
    // The tensors must tile the buffer: sorted by offset, each starts where the previous ended, the
    // first at 0 and the last at the end. This rules out overlaps (two tensors sharing bytes),
    // gaps (hidden data) and trailing garbage in one pass.
    std::vector<const Entry*> order;
    for (const Entry& e : out.entries) order.push_back(&e);
    std::sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    uint64_t expected = 0;
    const Entry* prev = nullptr;
    for (const Entry* e : order) {
        if (e->begin != expected) {
            if (e->begin < expected)
                f.fail(str_cat("tensor '", e->name, "' (data_offsets [", e->begin, ", ", e->end, "]) overlaps tensor '",
                               prev->name, "' (data_offsets [", prev->begin, ", ", prev->end, "])"));
            f.fail(str_cat("tensor '", e->name, "' starts at buffer offset ", e->begin,
                           " but the previous data ends at ", expected, " (a gap of unclaimed bytes)"));
        }
        expected = e->end;
        prev = e;
    }
    if (expected != buffer_size)
        f.fail(str_cat("the tensors cover ", expected, " bytes of the ", buffer_size,
                       "-byte data buffer (trailing unclaimed bytes)"));
    return out;
}

}  // namespace

void save_tensors(const std::map<std::string, Tensor>& tensors, const std::string& path,
                  const std::map<std::string, std::string>& metadata) {
    // Everything that can fail for a reason other than I/O is done before the file is created.
    std::vector<std::pair<std::string, Tensor>> items;
    json header = json::object();
    uint64_t offset = 0;
    try {
        if (!metadata.empty()) header[kMetadataKey] = metadata;
        for (const auto& [name, t] : tensors) {
            EMBER_ENFORCE(!name.empty(), ValueError, "save_tensors: empty tensor name (saving '", path, "')");
            EMBER_ENFORCE(name != kMetadataKey, ValueError, "save_tensors: the name \"__metadata__\" is reserved by ",
                          "the safetensors format (saving '", path, "')");
            EMBER_ENFORCE(t.defined(), ValueError, "save_tensors: tensor '", name, "' is undefined (saving '", path,
                          "')");
            Tensor c = t.detach().to(kCPU).contiguous();
            const uint64_t nbytes = static_cast<uint64_t>(c.nbytes());
            header[name] = {{"dtype", dtype_code(c.dtype())},
                            {"shape", std::vector<int64_t>(c.sizes().begin(), c.sizes().end())},
                            {"data_offsets", {offset, offset + nbytes}}};
            offset += nbytes;
            items.emplace_back(name, std::move(c));
        }
    } catch (const json::exception& e) {
        throw ValueError(str_cat("save_tensors: cannot encode the header for '", path, "': ", e.what()));
    }
    std::string text;
    try {
        text = header.dump();  // throws on names or metadata that are not valid UTF-8
    } catch (const json::exception& e) {
        throw ValueError(str_cat("save_tensors: cannot encode the header for '", path,
                                 "' (names and metadata must be UTF-8): ", e.what()));
    }
    // Pad with spaces so the buffer starts 8-byte aligned (the spec's recommendation: lets a
    // reader mmap the file and use the tensors in place).
    text.append((8 - text.size() % 8) % 8, ' ');
    uint8_t len_bytes[8];
    for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<uint8_t>(uint64_t(text.size()) >> (8 * i));
    data::detail::write_file_atomically(path, kWhat, [&](FileWriter& w) {
        w.write(len_bytes, 8);
        w.write(text.data(), text.size());
        for (const auto& [name, t] : items)
            if (t.nbytes()) w.write(t.raw_data_ptr(), static_cast<uint64_t>(t.nbytes()));
    });
}

namespace {

std::map<std::string, Tensor> load_tensors_impl(FileReader& f) {
    Parsed parsed = parse_header(f);
    std::sort(parsed.entries.begin(), parsed.entries.end(),
              [](const Entry& a, const Entry& b) { return a.begin < b.begin; });  // sequential reads
    std::map<std::string, Tensor> out;
    for (const Entry& e : parsed.entries) {
        Tensor t = empty(e.shape, e.dtype);
        f.seek(parsed.buffer_start + e.begin);
        const uint64_t nbytes = e.end - e.begin;
        if (nbytes) f.read_exact(t.raw_data_ptr(), nbytes, "tensor data");
        if (e.dtype == kBool) {
            // Any byte but 0 or 1 in a C++ bool is undefined behaviour in every later op.
            const auto* b = static_cast<const uint8_t*>(t.raw_data_ptr());
            for (uint64_t i = 0; i < nbytes; ++i)
                if (b[i] > 1)
                    f.fail(str_cat("tensor '", e.name, "': BOOL element ", i, " has byte value ", int(b[i]),
                                   " (must be 0 or 1)"));
        }
        out.emplace(e.name, std::move(t));
    }
    return out;
}

}  // namespace

std::map<std::string, Tensor> load_tensors(const std::string& path) {
    FileReader f(path, kWhat);
    return load_tensors_impl(f);
}

std::map<std::string, std::string> load_tensors_metadata(const std::string& path) {
    FileReader f(path, kWhat);
    return parse_header(f).metadata;
}

namespace data::detail {

std::map<std::string, Tensor> load_tensors_from_memory(std::span<const uint8_t> bytes, const std::string& name) {
    FileReader f(bytes.data(), bytes.size(), name, kWhat);
    return load_tensors_impl(f);
}

std::map<std::string, std::string> load_tensors_metadata_from_memory(std::span<const uint8_t> bytes,
                                                                     const std::string& name) {
    FileReader f(bytes.data(), bytes.size(), name, kWhat);
    return parse_header(f).metadata;
}

}  // namespace data::detail

}  // namespace ember
