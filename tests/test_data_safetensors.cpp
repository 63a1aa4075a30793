// safetensors: round trips, the byte layout checked independently, hand-built files, and every
// kind of malformed file rejected.
#include <signal.h>
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "core_test_util.h"
#include "data_test_util.h"
#include "ember/ember.h"

using namespace ember;
using ember_test::append_le64;
using ember_test::ScratchDir;
using json = nlohmann::json;
using core_test::require_throws_with;

namespace {

// A file made of an 8-byte length, the given header text (unpadded, as some writers do) and
// `buffer` bytes.
std::vector<uint8_t> st_file(const std::string& header, const std::vector<uint8_t>& buffer,
                             std::optional<uint64_t> claimed_len = std::nullopt) {
    std::vector<uint8_t> b;
    append_le64(b, claimed_len.value_or(header.size()));
    b.insert(b.end(), header.begin(), header.end());
    b.insert(b.end(), buffer.begin(), buffer.end());
    return b;
}

std::vector<uint8_t> f32_bytes(std::initializer_list<float> v) {
    std::vector<uint8_t> b(v.size() * 4);
    std::memcpy(b.data(), std::data(v), b.size());
    return b;
}

std::map<std::string, Tensor> sample_tensors() {
    manual_seed(11);
    Tensor base = randn({4, 6});
    std::map<std::string, Tensor> m;
    m["f32"] = base;
    m["f64"] = randn({3}, dtype(kFloat64));
    m["i64"] = tensor(std::vector<int64_t>{INT64_MIN, -1, 0, INT64_MAX});
    m["bool"] = base.gt(0);
    m["transposed"] = base.t();                                    // non-contiguous view
    m["strided"] = base.slice(1, 0, 6, 2);                         // non-contiguous, [4, 3]
    m["empty"] = zeros({0, 5});                                    // zero bytes
    m["scalar"] = scalar_tensor(3.25, dtype(kFloat64));            // 0-dim
    m["layer.0.weight"] = arange(10, dtype(kInt64)).view({2, 5});  // dotted names as nn uses
    return m;
}

}  // namespace

TEST_CASE("safetensors round trip for every dtype, views, empty and scalar tensors", "[data][safetensors]") {
    ScratchDir dir("st_roundtrip");
    const std::string p = dir.file("model.safetensors");
    auto in = sample_tensors();
    save_tensors(in, p, {{"format", "pt"}, {"epoch", "3"}});
    auto out = load_tensors(p);
    REQUIRE(out.size() == in.size());
    for (const auto& [name, t] : in) {
        INFO(name);
        REQUIRE(out.count(name) == 1);
        const Tensor& r = out.at(name);
        CHECK(r.dtype() == t.dtype());
        CHECK(r.sizes() == t.sizes());
        CHECK(r.is_contiguous());
        CHECK(r.equal(t));
    }
    CHECK(load_tensors_metadata(p) == std::map<std::string, std::string>{{"format", "pt"}, {"epoch", "3"}});
    save_tensors({}, p);  // an empty file is legal and replaces the old one
    CHECK(load_tensors(p).empty());
    CHECK(load_tensors_metadata(p).empty());
    CHECK(dir.entries() == std::vector<std::string>{"model.safetensors"});  // no temporary left behind
}

TEST_CASE("safetensors output layout matches the spec (parsed independently)", "[data][safetensors]") {
    ScratchDir dir("st_layout");
    const std::string p = dir.file("m.safetensors");
    auto in = sample_tensors();
    save_tensors(in, p, {{"k", "v"}});
    auto bytes = ember_test::read_bytes(p);
    REQUIRE(bytes.size() >= 8);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
    CHECK(n % 8 == 0);  // padded so the buffer is 8-byte aligned
    REQUIRE(8 + n <= bytes.size());
    const std::string text(bytes.begin() + 8, bytes.begin() + 8 + n);
    CHECK(text.find_last_not_of(' ') + 1 >= text.size() - 7);  // at most 7 pad spaces
    json h = json::parse(text);
    CHECK(h["__metadata__"] == json{{"k", "v"}});
    const uint64_t buffer = bytes.size() - 8 - n;
    uint64_t covered = 0;
    for (const auto& [name, t] : in) {
        INFO(name);
        const json& e = h.at(name);
        const char* code = t.dtype() == kFloat32   ? "F32"
                           : t.dtype() == kFloat64 ? "F64"
                           : t.dtype() == kInt64   ? "I64"
                                                   : "BOOL";
        CHECK(e.at("dtype") == code);
        CHECK(e.at("shape").get<std::vector<int64_t>>() == std::vector<int64_t>(t.sizes().begin(), t.sizes().end()));
        const uint64_t b = e.at("data_offsets")[0], end = e.at("data_offsets")[1];
        CHECK(end - b == static_cast<uint64_t>(t.nbytes()));
        covered += end - b;
        // The bytes at the offsets are the tensor's values, row-major little-endian.
        Tensor c = t.contiguous();
        if (c.nbytes())
            CHECK(std::memcmp(bytes.data() + 8 + n + b, c.raw_data_ptr(), static_cast<std::size_t>(c.nbytes())) == 0);
    }
    CHECK(covered == buffer);
}

TEST_CASE("safetensors file assembled by hand is read", "[data][safetensors]") {
    ScratchDir dir("st_hand");
    const std::string p = dir.file("hand.safetensors");
    // Tensors stored in the buffer in a different order than their names; one BOOL, one empty.
    std::vector<uint8_t> buf = f32_bytes({1.5f, -2.0f, 3.0f, 0.25f});  // "w" [2, 2] at 0..16
    int64_t ids[2] = {-7, 1LL << 40};
    buf.insert(buf.end(), reinterpret_cast<uint8_t*>(ids), reinterpret_cast<uint8_t*>(ids) + 16);  // "a" at 16..32
    buf.push_back(1);
    buf.push_back(0);
    buf.push_back(1);  // "mask" [3] at 32..35
    const std::string header = R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
                               R"("a":{"dtype":"I64","shape":[2],"data_offsets":[16,32]},)"
                               R"("none":{"dtype":"F64","shape":[0,3],"data_offsets":[32,32]},)"
                               R"("mask":{"dtype":"BOOL","shape":[3],"data_offsets":[32,35]},)"
                               R"("__metadata__":{"source":"hand"}}   )";
    ember_test::write_bytes(p, st_file(header, buf));
    auto m = load_tensors(p);
    REQUIRE(m.size() == 4);
    CHECK(m["w"].equal(tensor({{1.5, -2.0}, {3.0, 0.25}})));
    CHECK(m["a"].to_vector<int64_t>() == std::vector<int64_t>{-7, 1LL << 40});
    CHECK(m["mask"].to_vector<bool>() == std::vector<bool>{true, false, true});
    CHECK(m["none"].sizes() == IntArrayRef({0, 3}));
    CHECK(m["none"].dtype() == kFloat64);
    CHECK(load_tensors_metadata(p).at("source") == "hand");
}

TEST_CASE("safetensors reader rejects malformed files", "[data][safetensors]") {
    ScratchDir dir("st_bad");
    const std::string p = dir.file("bad.safetensors");
    const auto eight = f32_bytes({1, 2});
    auto reject = [&](const std::vector<uint8_t>& bytes, const std::string& mention) {
        ember_test::write_bytes(p, bytes);
        INFO("expecting a rejection mentioning: " << mention);
        require_throws_with<IOError>([&] { (void)load_tensors(p); }, {"invalid safetensors file", p, mention});
    };
    auto entry = [](const std::string& name, const std::string& dtype, const std::string& shape, uint64_t b,
                    uint64_t e) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" +
               std::to_string(b) + "," + std::to_string(e) + "]}";
    };
    const std::string ok = "{" + entry("x", "F32", "[2]", 0, 8) + "}";
    ember_test::write_bytes(p, st_file(ok, eight));
    REQUIRE(load_tensors(p).at("x").equal(tensor({1, 2})));  // the baseline is valid

    reject({1, 2, 3}, "8-byte header length");
    reject(st_file(ok, eight, ok.size() + 100), "only");  // lying length, too long
    reject(st_file(ok, eight, 1ull << 40), "limit");      // absurd length
    reject(st_file(ok, eight, ok.size() - 3), "JSON");    // lying length, too short
    reject(st_file("{\"x\": [1, 2", eight), "JSON");
    reject(st_file("[1, 2, 3]", eight), "object");
    reject(st_file("{" + entry("x", "I16", "[4]", 0, 8) + "}", eight), "I16");  // a dtype ember has not
    reject(st_file("{" + entry("x", "F32", "[-2]", 0, 8) + "}", eight), "non-negative");
    reject(st_file("{" + entry("x", "F32", "[2.0]", 0, 8) + "}", eight), "non-negative integers");
    reject(st_file("{" + entry("x", "F32", "[3]", 0, 8) + "}", eight), "needs 12 bytes");
    reject(st_file("{" + entry("x", "F32", "[4611686018427387904, 4]", 0, 8) + "}", eight), "overflow");
    reject(st_file("{" + entry("x", "F32", "[4]", 0, 16) + "}", eight), "past the end");
    reject(st_file("{" + entry("x", "F32", "[0]", 8, 0) + "}", eight), "reversed");
    reject(st_file("{" + entry("x", "F32", "[2]", 0, 8) + "," + entry("y", "F32", "[1]", 4, 8) + "}", eight),
           "overlaps");
    reject(st_file("{" + entry("x", "F32", "[1]", 4, 8) + "}", eight), "gap");
    reject(st_file("{" + entry("x", "F32", "[1]", 0, 4) + "}", eight), "trailing");
    reject(st_file("{" + entry("x", "F32", "[2]", 0, 8) + "," + entry("x", "F32", "[0]", 8, 8) + "}", eight),
           "more than once");
    reject(st_file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":1}}", eight), "extra");
    reject(st_file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2]}}", eight), "data_offsets");
    reject(st_file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", eight), "data_offsets");
    reject(st_file("{\"x\":{\"shape\":[2],\"data_offsets\":[0,8]}}", eight), "dtype");
    reject(st_file("{\"__metadata__\":{\"a\":1}," + entry("x", "F32", "[2]", 0, 8) + "}", eight), "__metadata__");
    reject(st_file("{" + entry("m", "BOOL", "[2]", 0, 2) + "}", {1, 2}), "BOOL");
    // A valid file cut short anywhere is rejected.
    save_tensors(sample_tensors(), dir.file("good"));
    auto good = ember_test::read_bytes(dir.file("good"));
    for (std::size_t cut : {std::size_t(0), std::size_t(5), std::size_t(20), good.size() / 2, good.size() - 1}) {
        INFO("cut at " << cut);
        ember_test::write_bytes(p, std::vector<uint8_t>(good.begin(), good.begin() + cut));
        require_throws_with<IOError>([&] { (void)load_tensors(p); }, {"safetensors file", p});
    }
    require_throws_with<IOError>([&] { (void)load_tensors(dir.file("does_not_exist")); },
                                 {"cannot open safetensors file", dir.file("does_not_exist")});
    require_throws_with<IOError>([&] { (void)load_tensors(dir.path().string()); },
                                 {"safetensors file", dir.path().string(), "not a regular file"});
}

TEST_CASE("failed saves throw and leave the existing file untouched", "[data][safetensors][atomic]") {
    ScratchDir dir("st_atomic");
    const std::string p = dir.file("ckpt.safetensors");
    save_tensors({{"w", ones({3})}}, p);
    const auto before = ember_test::read_bytes(p);

    // Refused before any file is created: reserved or empty names, undefined tensors.
    require_throws_with<ValueError>(
        [&] {
            save_tensors({{"__metadata__", ones({1})}}, p);
        },
        {"save_tensors", "\"__metadata__\"", "reserved"});
    require_throws_with<ValueError>(
        [&] {
            save_tensors({{"", ones({1})}}, p);
        },
        {"save_tensors", "empty tensor name", p});
    require_throws_with<ValueError>(
        [&] {
            save_tensors({{"u", Tensor()}}, p);
        },
        {"save_tensors", "'u' is undefined", p});
    // I/O failures: missing directory, a directory in the way of the rename.
    require_throws_with<IOError>(
        [&] {
            save_tensors({{"w", ones({3})}}, dir.file("missing/ckpt.safetensors"));
        },
        {"cannot write safetensors file", dir.file("missing/ckpt.safetensors"), "cannot create temporary file"});
    std::filesystem::create_directory(dir.file("a_dir"));
    require_throws_with<IOError>(
        [&] {
            save_tensors({{"w", ones({3})}}, dir.file("a_dir"));
        },
        {"cannot write safetensors file", dir.file("a_dir"), "cannot rename"});
    CHECK(std::filesystem::is_directory(dir.file("a_dir")));
    require_throws_with<IOError>([&] { ember::save_tensor_npy(ones({3}), dir.file("a_dir")); },
                                 {"cannot write npy file", dir.file("a_dir"), "cannot rename"});

    // A write that fails half-way (the file size limit is hit while writing 4 MB): the old file
    // must survive byte for byte and the partial temporary must be gone.
    struct rlimit old_limit {};
    REQUIRE(getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
    auto old_handler = signal(SIGXFSZ, SIG_IGN);  // get EFBIG from write() instead of a signal
    struct rlimit small = old_limit;
    small.rlim_cur = 64 * 1024;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::string message;
    try {
        save_tensors({{"big", zeros({1 << 20})}}, p);
    } catch (const IOError& e) {
        message = e.what();
    }
    setrlimit(RLIMIT_FSIZE, &old_limit);
    signal(SIGXFSZ, old_handler);
    // Thrown while writing the temporary: the error names the file and the failed write.
    CHECK_THAT(message, Catch::Contains("error writing") && Catch::Contains(p));
    CHECK(ember_test::read_bytes(p) == before);
    CHECK(load_tensors(p).at("w").equal(ones({3})));
    std::vector<std::string> entries = dir.entries();
    std::sort(entries.begin(), entries.end());
    CHECK(entries == std::vector<std::string>{"a_dir", "ckpt.safetensors"});
}

TEST_CASE("safetensors reader refuses an empty shape whose strides would overflow", "[data][safetensors][fuzz]") {
    // Regression (fuzzing): shape [0, 2^40, 2^40] holds 0 bytes and matched data_offsets [0, 0],
    // but the contiguous strides of the tensor it becomes overflow int64.
    ScratchDir dir("st_stride_overflow");
    const std::string p = dir.file("x.safetensors");
    ember_test::write_bytes(
        p, st_file(R"({"x":{"dtype":"F32","shape":[0,1099511627776,1099511627776],"data_offsets":[0,0]}})", {}));
    require_throws_with<IOError>([&] { (void)load_tensors(p); }, {"invalid safetensors file", p, "'x'", "overflow"});
    ember_test::write_bytes(p,
                            st_file(R"({"x":{"dtype":"I64","shape":[1048576,0,1048576],"data_offsets":[0,0]}})", {}));
    CHECK(load_tensors(p).at("x").sizes() == IntArrayRef({1048576, 0, 1048576}));
}
