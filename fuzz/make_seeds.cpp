// Writes the seed corpora of the fuzz targets: a few valid files of each format, made by ember's
// own writers (write_idx, save_tensors, save_tensor_npy) with different dtypes, ranks and empty
// tensors, plus a few hand-built variants of what the readers accept but the writers never
// produce (gzip and multi-member gzip IDX, big-endian / narrow / Fortran-order npy, npy format
// 2.0 and 3.0). Generated at run time by scripts/fuzz.sh, never committed.
//
//   ember_fuzz_seeds OUTDIR     ->  OUTDIR/idx/*, OUTDIR/safetensors/*, OUTDIR/npy/*
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "ember/ember.h"

namespace fs = std::filesystem;
using namespace ember;
using Bytes = std::vector<uint8_t>;

namespace {

Bytes read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& p, const Bytes& b) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    if (!out) throw std::runtime_error("cannot write " + p.string());
}

// One gzip member holding `b`.
Bytes gzip(const Bytes& b) {
    z_stream zs{};
    if (deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2 failed");
    Bytes out(deflateBound(&zs, static_cast<uLong>(b.size())) + 64);
    zs.next_in = const_cast<Bytef*>(b.data());
    zs.avail_in = static_cast<uInt>(b.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
    out.resize(zs.total_out);
    return out;
}

// An npy file with a hand-written header dict (format major.0), padded as NumPy pads it.
Bytes npy(const std::string& dict, int major, const Bytes& data) {
    const std::size_t prefix = major == 1 ? 10 : 12;
    std::string header = dict;
    header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), 0};
    for (std::size_t i = 0; i < prefix - 8; ++i) b.push_back(static_cast<uint8_t>(header.size() >> (8 * i)));
    b.insert(b.end(), header.begin(), header.end());
    b.insert(b.end(), data.begin(), data.end());
    return b;
}

Bytes iota_bytes(std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 37 + 1);
    return b;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    try {
        const fs::path root = argv[1];
        for (const char* d : {"idx", "safetensors", "npy"}) fs::create_directories(root / d);
        int count = 0;

        // ---- IDX: every element type, ranks 1 to 4, empty tensors, gzip ----
        using data::IdxType;
        const fs::path idx = root / "idx";
        // n consecutive int64 values starting at -offset
        auto ints = [](int64_t n, int64_t offset) {
            return arange(double(-offset), double(n - offset), 1.0, dtype(kInt64));
        };
        data::write_idx((idx / "ubyte_3x4.idx").string(), arange(12, dtype(kInt64)).view({3, 4}), IdxType::UByte);
        data::write_idx((idx / "sbyte_2x3.idx").string(), ints(6, 3).view({2, 3}), IdxType::SByte);
        data::write_idx((idx / "short_2x3x4.idx").string(), ints(24, 12).mul(1000).view({2, 3, 4}), IdxType::Short);
        data::write_idx((idx / "int_5.idx").string(), ints(5, 2).mul(100000), IdxType::Int);
        data::write_idx((idx / "float_2x2.idx").string(), tensor({{0.5, -1.25}, {3.0, 1e-3}}), IdxType::Float);
        data::write_idx((idx / "double_1x1x1x2.idx").string(), tensor({3.25, -7.5}, dtype(kFloat64)).view({1, 1, 1, 2}),
                        IdxType::Double);
        data::write_idx((idx / "ubyte_empty.idx").string(), zeros({0}), IdxType::UByte);
        data::write_idx((idx / "float_2x0x3.idx").string(), zeros({2, 0, 3}), IdxType::Float);
        count += 8;
        const Bytes plain = read_file(idx / "ubyte_3x4.idx");
        write_file(idx / "ubyte_3x4.idx.gz", gzip(plain));
        Bytes two = gzip(Bytes(plain.begin(), plain.begin() + 10));  // two members: header, then the rest
        const Bytes rest = gzip(Bytes(plain.begin() + 10, plain.end()));
        two.insert(two.end(), rest.begin(), rest.end());
        write_file(idx / "ubyte_3x4_two_members.idx.gz", two);
        write_file(idx / "short_2x3x4.idx.gz", gzip(read_file(idx / "short_2x3x4.idx")));
        count += 3;

        // ---- safetensors: the four dtypes, ranks 0 to 3, empty tensors, metadata, no tensors ----
        const fs::path st = root / "safetensors";
        save_tensors({{"w", arange(12, dtype(kFloat32)).view({3, 4})},
                      {"b", tensor(std::vector<int64_t>{1, -2})},
                      {"m", tensor({1, 0, 1}).gt(0.5)},
                      {"e", zeros({0})}},
                     (st / "mixed.safetensors").string(), {{"format", "pt"}, {"k", "v"}});
        save_tensors({{"scalar", scalar_tensor(2.5, dtype(kFloat64))}}, (st / "scalar_f64.safetensors").string());
        save_tensors({{"empty", zeros({2, 0, 3}, dtype(kInt64))}, {"flags", ones({1, 1, 1, 2}).gt(0.5)}},
                     (st / "empty_and_bool.safetensors").string());
        save_tensors({}, (st / "only_metadata.safetensors").string(), {{"epoch", "3"}});
        save_tensors({}, (st / "nothing.safetensors").string());
        count += 5;

        // ---- npy: the writer's four dtypes at ranks 0 to 4 and empty, then hand-built variants ----
        const fs::path np = root / "npy";
        save_tensor_npy(arange(12, dtype(kFloat32)).view({3, 4}), (np / "f4_3x4.npy").string());
        save_tensor_npy(scalar_tensor(-1.5, dtype(kFloat64)), (np / "f8_scalar.npy").string());
        save_tensor_npy(ints(5, 2), (np / "i8_5.npy").string());
        save_tensor_npy(tensor({{1, 0}, {0, 1}}).gt(0.5), (np / "b1_2x2.npy").string());
        save_tensor_npy(zeros({0}), (np / "f4_empty.npy").string());
        save_tensor_npy(zeros({2, 0, 3}, dtype(kFloat64)), (np / "f8_2x0x3.npy").string());
        save_tensor_npy(ints(24, 0).view({1, 2, 3, 4}), (np / "i8_1x2x3x4.npy").string());
        count += 7;
        write_file(np / "be_i2_fortran_2x3.npy",
                   npy("{'descr': '>i2', 'fortran_order': True, 'shape': (2, 3), }", 1, iota_bytes(12)));
        write_file(np / "u1_4.npy", npy("{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }", 1, iota_bytes(4)));
        write_file(np / "i4_2x2.npy",
                   npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", 1, iota_bytes(16)));
        write_file(np / "be_f8_3.npy",
                   npy("{'descr': '>f8', 'fortran_order': False, 'shape': (3,), }", 1, Bytes(24, 0x3f)));
        write_file(np / "u4_scalar_v2.npy",
                   npy("{'descr': '<u4', 'fortran_order': False, 'shape': (), }", 2, iota_bytes(4)));
        write_file(np / "i1_2x2_fortran_v3.npy",
                   npy("{\"descr\": \"|i1\", \"fortran_order\": True, \"shape\": (2L, 2L), }", 3, iota_bytes(4)));
        count += 6;

        std::printf("ember_fuzz_seeds: wrote %d files under %s\n", count, root.string().c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ember_fuzz_seeds: %s\n", e.what());
        return 1;
    }
}
