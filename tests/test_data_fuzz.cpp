// Corrupted files never crash a reader: each file reader is fed thousands of deterministic random
// mutations of a valid file (byte flips, truncations, insertions) and must either return a tensor
// or throw ember::IOError. Run under EMBER_SANITIZE=ON this also proves no out-of-bounds access.
#include <catch2/catch.hpp>
#include <functional>
#include <span>

#include "core_test_util.h"
#include "data/readers.h"
#include "data_test_util.h"
#include "ember/ember.h"

using namespace ember;
using core_test::require_throws_with;
using ember_test::ScratchDir;

namespace {

// xorshift64*: a fixed, platform-independent sequence of mutations.
struct Rng {
    uint64_t s;
    uint64_t next() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 2685821657736338717ull;
    }
    std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(next() % n) : 0; }
};

void fuzz(const std::string& name, const std::vector<uint8_t>& good,
          const std::function<void(const std::string&)>& read) {
    ScratchDir dir("fuzz_" + name);
    Rng rng{0x9E3779B97F4A7C15ull ^ good.size()};
    int accepted = 0, rejected = 0;
    for (int iter = 0; iter < 1500; ++iter) {
        std::vector<uint8_t> b = good;
        const int edits = 1 + static_cast<int>(rng.below(3));
        for (int e = 0; e < edits; ++e) {
            switch (rng.below(4)) {
                case 0:  // flip a byte, biased towards the header where the checks are
                    if (!b.empty()) b[rng.below(std::min<std::size_t>(b.size(), 128))] ^= uint8_t(1 + rng.below(255));
                    break;
                case 1:
                    if (!b.empty()) b[rng.below(b.size())] = uint8_t(rng.next());
                    break;
                case 2: b.resize(rng.below(b.size() + 1)); break;  // truncate
                case 3: b.insert(b.begin() + rng.below(b.size() + 1), uint8_t(rng.next())); break;
            }
        }
        // A new name each time: rewriting one file with O_TRUNC makes ext4 flush it on close
        // (auto_da_alloc), which turns this loop from milliseconds into seconds.
        const std::string p = dir.file(std::to_string(iter));
        ember_test::write_bytes(p, b);
        try {
            read(p);
            ++accepted;
        } catch (const IOError&) {
            ++rejected;
        }
        std::filesystem::remove(p);
    }
    INFO(name << ": " << accepted << " mutants read, " << rejected << " rejected");
    CHECK(rejected > 1000);  // most mutations must be caught
}

}  // namespace

TEST_CASE("file readers survive random corruption", "[data][fuzz]") {
    ScratchDir dir("fuzz_src");
    std::map<std::string, Tensor> m = {{"w", arange(12, dtype(kFloat32)).view({3, 4})},
                                       {"b", tensor(std::vector<int64_t>{1, -2})},
                                       {"m", tensor({1, 0}).gt(0.5)},
                                       {"e", zeros({0})}};
    save_tensors(m, dir.file("st"), {{"k", "v"}});
    fuzz("safetensors", ember_test::read_bytes(dir.file("st")), [](const std::string& p) { load_tensors(p); });
    save_tensor_npy(arange(12, dtype(kFloat64)).view({3, 4}), dir.file("npy"));
    fuzz("npy", ember_test::read_bytes(dir.file("npy")), [](const std::string& p) { load_npy(p); });
    data::write_idx(dir.file("idx"), arange(24, dtype(kInt64)).view({2, 3, 4}), data::IdxType::Short);
    fuzz("idx", ember_test::read_bytes(dir.file("idx")), [](const std::string& p) { data::read_idx(p); });
}

TEST_CASE("in-memory reader entry points behave as the path readers", "[data][fuzz]") {
    // The fuzz targets (fuzz/) feed libFuzzer's inputs through data/readers.h; they are only
    // worth their findings if a buffer gets exactly what a file gets.
    ScratchDir dir("fuzz_memory");
    auto bytes_of = [](const std::string& p) { return ember_test::read_bytes(p); };
    std::map<std::string, Tensor> m = {{"w", arange(6, dtype(kFloat64)).view({2, 3})}, {"e", zeros({0, 2})}};
    save_tensors(m, dir.file("st"), {{"k", "v"}});
    auto st = bytes_of(dir.file("st"));
    auto from_memory = data::detail::load_tensors_from_memory(st, "buffer");
    REQUIRE(from_memory.size() == 2);
    CHECK(from_memory.at("w").equal(m.at("w")));
    CHECK(from_memory.at("e").sizes() == IntArrayRef({0, 2}));
    CHECK(data::detail::load_tensors_metadata_from_memory(st, "buffer").at("k") == "v");

    save_tensor_npy(arange(12, dtype(kInt64)).view({3, 4}), dir.file("npy"));
    CHECK(data::detail::load_npy_from_memory(bytes_of(dir.file("npy")), "buffer").equal(load_npy(dir.file("npy"))));

    data::write_idx(dir.file("idx"), arange(6, dtype(kInt64)).view({2, 3}), data::IdxType::Short);
    auto idx = bytes_of(dir.file("idx"));
    CHECK(data::detail::read_idx_from_memory(idx, "buffer").equal(data::read_idx(dir.file("idx"))));
    CHECK(data::detail::read_idx_file_from_memory(idx, "buffer").payload ==
          data::read_idx_file(dir.file("idx")).payload);

    // A malformed buffer fails with the path reader's message, naming the buffer instead of a path.
    auto same_error = [&](const std::vector<uint8_t>& bad, const std::function<void(const std::string&)>& from_path,
                          const std::function<void(std::span<const uint8_t>)>& from_buffer) {
        const std::string p = dir.file("bad");
        ember_test::write_bytes(p, bad);
        std::string path_msg, memory_msg;
        try {
            from_path(p);
        } catch (const IOError& e) {
            path_msg = e.what();
        }
        try {
            from_buffer(bad);
        } catch (const IOError& e) {
            memory_msg = e.what();
        }
        REQUIRE(!path_msg.empty());
        REQUIRE(path_msg.find(p) != std::string::npos);
        path_msg.replace(path_msg.find(p), p.size(), "buffer");
        CHECK(memory_msg == path_msg);
    };
    same_error(
        std::vector<uint8_t>(st.begin(), st.end() - 3), [](const std::string& p) { load_tensors(p); },
        [](std::span<const uint8_t> b) { data::detail::load_tensors_from_memory(b, "buffer"); });
    same_error(
        std::vector<uint8_t>(idx.begin(), idx.begin() + 6), [](const std::string& p) { data::read_idx(p); },
        [](std::span<const uint8_t> b) { data::detail::read_idx_from_memory(b, "buffer"); });
    same_error(
        {0x93, 'N', 'U', 'M', 'P', 'Y', 9, 0, 0, 0}, [](const std::string& p) { load_npy(p); },
        [](std::span<const uint8_t> b) { data::detail::load_npy_from_memory(b, "buffer"); });
    // An empty buffer (null data) is an ordinary malformed input.
    require_throws_with<IOError>([] { (void)data::detail::load_npy_from_memory({}, "buffer"); },
                                 {"npy file", "'buffer'"});
    require_throws_with<IOError>([] { (void)data::detail::read_idx_from_memory({}, "buffer"); },
                                 {"IDX file", "'buffer'"});
    require_throws_with<IOError>([] { (void)data::detail::load_tensors_from_memory({}, "buffer"); },
                                 {"safetensors file", "'buffer'"});
}
