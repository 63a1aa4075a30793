// NumPy .npy files, and interoperability with NumPy itself (and with a safetensors reader/writer
// written in Python) when /usr/bin/python3 has numpy.
#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>

#include "core_test_util.h"
#include "data_test_util.h"
#include "ember/ember.h"

using namespace ember;
using core_test::require_throws_with;
using ember_test::ScratchDir;

namespace {

// A .npy file assembled by hand: version 1.0, the given dict text, padded to 64, then `data`.
std::vector<uint8_t> npy_file(const std::string& dict, const std::vector<uint8_t>& data, int major = 1) {
    std::string header = dict;
    const std::size_t prefix = major == 1 ? 10 : 12;
    header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    std::vector<uint8_t> b = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), 0};
    for (std::size_t i = 0; i < prefix - 8; ++i) b.push_back(static_cast<uint8_t>(header.size() >> (8 * i)));
    b.insert(b.end(), header.begin(), header.end());
    b.insert(b.end(), data.begin(), data.end());
    return b;
}

template <typename T>
std::vector<uint8_t> raw(std::initializer_list<T> v) {
    std::vector<uint8_t> b(v.size() * sizeof(T));
    std::memcpy(b.data(), std::data(v), b.size());
    return b;
}

int run_python(const ScratchDir& dir, const std::string& script) {
    const std::string path = dir.file("script.py");
    std::ofstream(path) << script;
    std::string command = "cd '";
    command += dir.path().string();
    command += "' && /usr/bin/python3 script.py";
    return std::system(command.c_str());
}

}  // namespace

TEST_CASE("npy round trip for every dtype, views, empty and scalar tensors", "[data][npy]") {
    ScratchDir dir("npy_roundtrip");
    manual_seed(5);
    Tensor base = randn({3, 4});
    std::vector<Tensor> cases = {base,
                                 base.t(),
                                 randn({2, 3, 2}, dtype(kFloat64)),
                                 tensor(std::vector<int64_t>{INT64_MIN, 0, INT64_MAX}),
                                 base.lt(0),
                                 zeros({0, 4}),
                                 scalar_tensor(2.5),
                                 arange(5, dtype(kInt64))};
    for (std::size_t i = 0; i < cases.size(); ++i) {
        INFO("case " << i << ": " << describe(cases[i]));
        // (not "t" + std::to_string(i): GCC 12 warns falsely with -Wrestrict on literal + temporary)
        const std::string p = dir.file(std::string("t").append(std::to_string(i)).append(".npy"));
        save_tensor_npy(cases[i], p);
        Tensor r = load_npy(p);
        CHECK(r.dtype() == cases[i].dtype());
        CHECK(r.sizes() == cases[i].sizes());
        CHECK(r.equal(cases[i]));
        // Layout: magic, version 1.0, data aligned to 64, header ends with '\n'.
        auto bytes = ember_test::read_bytes(p);
        REQUIRE(bytes.size() >= 10);
        CHECK(std::string(bytes.begin() + 1, bytes.begin() + 6) == "NUMPY");
        CHECK(bytes[0] == 0x93);
        CHECK(bytes[6] == 1);
        const std::size_t hlen = bytes[8] | (bytes[9] << 8);
        CHECK((10 + hlen) % 64 == 0);
        CHECK(bytes[10 + hlen - 1] == '\n');
        CHECK(bytes.size() - 10 - hlen == static_cast<std::size_t>(cases[i].nbytes()));
    }
    const std::string h = [&] {
        auto b = ember_test::read_bytes(dir.file("t7.npy"));
        return std::string(b.begin() + 10, b.end() - 40);
    }();
    CHECK_THAT(h, Catch::Contains("'descr': '<i8'") && Catch::Contains("'shape': (5,)") &&
                      Catch::Contains("'fortran_order': False"));
}

TEST_CASE("npy reader handles hand-built variants", "[data][npy]") {
    ScratchDir dir("npy_hand");
    const std::string p = dir.file("a.npy");
    // Fortran order: the 2x3 matrix [[1, 2, 3], [4, 5, 6]] stored column by column.
    ember_test::write_bytes(
        p, npy_file("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", raw<double>({1, 4, 2, 5, 3, 6})));
    CHECK(load_npy(p).equal(tensor({{1, 2, 3}, {4, 5, 6}}, dtype(kFloat64))));
    // Big-endian int32, narrow integers, Python 2 long literals, version 2.0, double quotes.
    ember_test::write_bytes(p, npy_file("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }",
                                        {0xFF, 0xFF, 0xFF, 0xFE, 0x00, 0x00, 0x01, 0x00}));
    CHECK(load_npy(p).to_vector<int64_t>() == std::vector<int64_t>{-2, 256});
    ember_test::write_bytes(p, npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (3L,), }", {0, 128, 255}));
    CHECK(load_npy(p).to_vector<int64_t>() == std::vector<int64_t>{0, 128, 255});
    ember_test::write_bytes(
        p, npy_file("{\"descr\": \"<i2\", \"fortran_order\": False, \"shape\": (2,)}", raw<int16_t>({-300, 7}), 2));
    CHECK(load_npy(p).to_vector<int64_t>() == std::vector<int64_t>{-300, 7});
    ember_test::write_bytes(p, npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", raw<float>({9.5f})));
    CHECK(load_npy(p).dim() == 0);
    CHECK(load_npy(p).item<float>() == 9.5f);
}

TEST_CASE("npy reader rejects malformed files", "[data][npy]") {
    ScratchDir dir("npy_bad");
    const std::string p = dir.file("bad.npy");
    const auto two = raw<float>({1, 2});
    auto reject = [&](const std::vector<uint8_t>& bytes, const std::string& mention) {
        ember_test::write_bytes(p, bytes);
        INFO("expecting a rejection mentioning: " << mention);
        require_throws_with<IOError>([&] { (void)load_npy(p); }, {"invalid npy file", p, mention});
    };
    const std::string ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    ember_test::write_bytes(p, npy_file(ok, two));
    REQUIRE(load_npy(p).equal(tensor({1, 2})));
    auto bad_magic = npy_file(ok, two);
    bad_magic[1] = 'X';
    reject(bad_magic, "magic");
    auto bad_version = npy_file(ok, two);
    bad_version[6] = 4;
    reject(bad_version, "version");
    auto lying = npy_file(ok, two);
    lying[9] = 0x40;  // header length + 16 KiB
    reject(lying, "truncated");
    reject({0x93, 'N', 'U'}, "10-byte");
    reject(npy_file(ok, raw<float>({1})), "needs 8");
    reject(npy_file(ok, raw<float>({1, 2, 3})), "needs 8");
    reject(npy_file("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", two), "<c8");
    reject(npy_file("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", two), "descr");
    reject(npy_file("{'descr': '<f4', 'shape': (2,), }", two), "fortran_order");
    reject(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", two), "header");
    reject(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", two), "integer");
    reject(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), ", two), "expected");
    reject(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", two), "overflow");
    reject(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", two), "overflow");
    reject(npy_file("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", {1, 7}), "bool");
    require_throws_with<IOError>([&] { (void)load_npy(dir.file("none.npy")); },
                                 {"cannot open npy file", dir.file("none.npy")});
}

TEST_CASE("npy and safetensors interoperate with NumPy", "[data][npy][interop]") {
    if (!ember_test::have_numpy()) {
        WARN("SKIPPED: /usr/bin/python3 with numpy not found (apt-get install python3-numpy)");
        return;
    }
    ScratchDir dir("npy_interop");
    SECTION("ember writes, NumPy reads") {
        save_tensor_npy(arange(6, dtype(kFloat32)).mul(0.5).view({2, 3}), dir.file("f4.npy"));
        save_tensor_npy(arange(12, dtype(kFloat64)).view({3, 4}).t(), dir.file("f8t.npy"));
        save_tensor_npy(tensor(std::vector<int64_t>{-5, 0, INT64_MAX}), dir.file("i8.npy"));
        save_tensor_npy(tensor({1, 0, 1}).gt(0.5), dir.file("b1.npy"));
        save_tensor_npy(scalar_tensor(-1.25, dtype(kFloat64)), dir.file("scalar.npy"));
        save_tensor_npy(zeros({0, 4}), dir.file("empty.npy"));
        save_tensors({{"w", arange(6, dtype(kFloat32)).view({3, 2})},
                      {"ids", tensor(std::vector<int64_t>{7, -7})},
                      {"mask", tensor({0, 1}).gt(0.5)}},
                     dir.file("m.safetensors"), {{"who", "ember"}});
        const std::string script = R"PY(
import json, struct, sys
import numpy as np
def same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), (a, b)
same(np.load("f4.npy"), (np.arange(6, dtype=np.float32) * 0.5).reshape(2, 3))
same(np.load("f8t.npy"), np.arange(12, dtype=np.float64).reshape(3, 4).T.copy())
same(np.load("i8.npy"), np.array([-5, 0, 2**63 - 1], dtype=np.int64))
same(np.load("b1.npy"), np.array([True, False, True]))
same(np.load("scalar.npy"), np.array(-1.25))
same(np.load("empty.npy"), np.zeros((0, 4), dtype=np.float32))
# An independent safetensors reader, straight from the spec.
raw = open("m.safetensors", "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
assert n % 8 == 0
header = json.loads(raw[8:8 + n])
buf = raw[8 + n:]
assert header.pop("__metadata__") == {"who": "ember"}
codes = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "BOOL": np.bool_}
spans = sorted(tuple(e["data_offsets"]) for e in header.values())
assert spans[0][0] == 0 and spans[-1][1] == len(buf)
assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
got = {k: np.frombuffer(buf[e["data_offsets"][0]:e["data_offsets"][1]], dtype=codes[e["dtype"]]).reshape(e["shape"])
       for k, e in header.items()}
same(got["w"], np.arange(6, dtype=np.float32).reshape(3, 2))
same(got["ids"], np.array([7, -7], dtype=np.int64))
same(got["mask"], np.array([False, True]))
print("python: ember files verified")
)PY";
        CHECK(run_python(dir, script) == 0);
    }
    SECTION("NumPy writes, ember reads") {
        const std::string script = R"PY(
import json, struct
import numpy as np
np.save("f4.npy", (np.arange(6, dtype=np.float32) / 4).reshape(2, 3))
np.save("fortran.npy", np.asfortranarray(np.arange(24, dtype=np.float64).reshape(2, 3, 4)))
np.save("i8.npy", np.array([-(2**63), 3, 2**63 - 1], dtype=np.int64))
np.save("b1.npy", np.array([[True, False], [False, True]]))
np.save("u1.npy", np.array([0, 200, 255], dtype=np.uint8))
np.save("i4be.npy", np.array([-70000, 70000], dtype=">i4"))
np.save("scalar.npy", np.float64(3.5))
np.save("empty.npy", np.zeros((2, 0), dtype=np.int64))
# A safetensors file written the way the spec describes it, buffer order != name order.
tensors = {"b": np.array([1.5, -2.5], dtype=np.float64), "a": np.arange(4, dtype=np.int64).reshape(2, 2)}
header, chunks, off = {"__metadata__": {"from": "python"}}, [], 0
for name in ["b", "a"]:
    data = tensors[name].tobytes()
    header[name] = {"dtype": {"float64": "F64", "int64": "I64"}[str(tensors[name].dtype)],
                    "shape": list(tensors[name].shape), "data_offsets": [off, off + len(data)]}
    chunks.append(data)
    off += len(data)
h = json.dumps(header).encode()
h += b" " * ((8 - len(h) % 8) % 8)
open("py.safetensors", "wb").write(struct.pack("<Q", len(h)) + h + b"".join(chunks))
)PY";
        REQUIRE(run_python(dir, script) == 0);
        CHECK(load_npy(dir.file("f4.npy")).equal(arange(6, dtype(kFloat32)).div(4).view({2, 3})));
        Tensor fortran = load_npy(dir.file("fortran.npy"));
        CHECK(fortran.equal(arange(24, dtype(kFloat64)).view({2, 3, 4})));
        CHECK(load_npy(dir.file("i8.npy")).to_vector<int64_t>() == std::vector<int64_t>{INT64_MIN, 3, INT64_MAX});
        CHECK(load_npy(dir.file("b1.npy")).equal(eye(2).gt(0.5)));
        CHECK(load_npy(dir.file("u1.npy")).to_vector<int64_t>() == std::vector<int64_t>{0, 200, 255});
        CHECK(load_npy(dir.file("i4be.npy")).to_vector<int64_t>() == std::vector<int64_t>{-70000, 70000});
        Tensor s = load_npy(dir.file("scalar.npy"));
        CHECK(s.dim() == 0);
        CHECK(s.item<double>() == 3.5);
        CHECK(load_npy(dir.file("empty.npy")).sizes() == IntArrayRef({2, 0}));
        auto m = load_tensors(dir.file("py.safetensors"));
        CHECK(m.at("b").equal(tensor({1.5, -2.5}, dtype(kFloat64))));
        CHECK(m.at("a").equal(arange(4, dtype(kInt64)).view({2, 2})));
        CHECK(load_tensors_metadata(dir.file("py.safetensors")).at("from") == "python");
    }
}

TEST_CASE("npy reader refuses an empty shape whose strides would overflow", "[data][npy][fuzz]") {
    // Regression (fuzzing): shape (0, 2^40, 2^40) holds no bytes, so the byte-size check passed,
    // but the contiguous strides of the tensor it becomes overflow int64 (undefined behaviour in
    // contiguous_strides). Also a narrow descr whose int64 result would not fit.
    ScratchDir dir("npy_stride_overflow");
    const std::string p = dir.file("x.npy");
    ember_test::write_bytes(p, npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 1099511627776, "
                                        "1099511627776), }",
                                        {}));
    require_throws_with<IOError>([&] { (void)load_npy(p); }, {"invalid npy file", p, "overflow"});
    ember_test::write_bytes(p, npy_file("{'descr': '|i1', 'fortran_order': True, 'shape': (0, 4294967296, "
                                        "4294967296), }",
                                        {}));
    require_throws_with<IOError>([&] { (void)load_npy(p); }, {"invalid npy file", p, "overflow"});
    // The largest shapes that do fit are still read.
    ember_test::write_bytes(p,
                            npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1048576, 1048576), }", {}));
    CHECK(load_npy(p).sizes() == IntArrayRef({0, 1048576, 1048576}));
}
