// IDX reader/writer, MNIST-layout folders and Fashion-MNIST.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "core_test_util.h"
#include "data_test_util.h"
#include "ember/ember.h"

using namespace ember;
using namespace ember::data;
using core_test::require_throws_with;
using ember_test::append_be32;
using ember_test::ScratchDir;

namespace {

// An IDX file assembled byte by byte, independently of write_idx.
std::vector<uint8_t> idx_bytes(uint8_t type, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& payload) {
    std::vector<uint8_t> b = {0, 0, type, static_cast<uint8_t>(dims.size())};
    for (uint32_t d : dims) append_be32(b, d);
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

void write_gzip(const std::string& path, const std::vector<uint8_t>& bytes) {
    gzFile gz = gzopen(path.c_str(), "wb9");
    REQUIRE(gz != nullptr);
    REQUIRE(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
    REQUIRE(gzclose(gz) == Z_OK);
}

// A 2 x 3 ubyte image set and its labels, as a tiny MNIST-layout folder.
void write_tiny_mnist(const ScratchDir& dir, const std::string& split, bool gz) {
    auto images = idx_bytes(0x08, {2, 2, 3}, {0, 51, 102, 153, 204, 255, 255, 0, 0, 0, 0, 255});
    auto labels = idx_bytes(0x08, {2}, {7, 3});
    if (gz) {
        write_gzip(dir.file(split + "-images-idx3-ubyte.gz"), images);
        write_gzip(dir.file(split + "-labels-idx1-ubyte.gz"), labels);
    } else {
        ember_test::write_bytes(dir.file(split + "-images-idx3-ubyte"), images);
        ember_test::write_bytes(dir.file(split + "-labels-idx1-ubyte"), labels);
    }
}

}  // namespace

TEST_CASE("read_idx decodes every element type from hand-built files", "[data][idx]") {
    ScratchDir dir("idx_types");
    SECTION("ubyte -> int64") {
        ember_test::write_bytes(dir.file("a"), idx_bytes(0x08, {2, 2}, {0, 1, 128, 255}));
        Tensor t = read_idx(dir.file("a"));
        CHECK(t.dtype() == kInt64);
        CHECK(t.sizes() == IntArrayRef({2, 2}));
        CHECK(t.to_vector<int64_t>() == std::vector<int64_t>{0, 1, 128, 255});
    }
    SECTION("sbyte, short, int are signed big-endian") {
        ember_test::write_bytes(dir.file("s"), idx_bytes(0x09, {2}, {0xFF, 0x7F}));
        CHECK(read_idx(dir.file("s")).to_vector<int64_t>() == std::vector<int64_t>{-1, 127});
        ember_test::write_bytes(dir.file("h"), idx_bytes(0x0B, {2}, {0x01, 0x02, 0xFF, 0xFE}));
        CHECK(read_idx(dir.file("h")).to_vector<int64_t>() == std::vector<int64_t>{258, -2});
        ember_test::write_bytes(dir.file("i"), idx_bytes(0x0C, {1}, {0x80, 0, 0, 0}));
        CHECK(read_idx(dir.file("i")).to_vector<int64_t>() == std::vector<int64_t>{INT32_MIN});
    }
    SECTION("float and double") {
        uint32_t fb;
        float f = -1.5f;
        std::memcpy(&fb, &f, 4);
        std::vector<uint8_t> p;
        append_be32(p, fb);
        ember_test::write_bytes(dir.file("f"), idx_bytes(0x0D, {1}, p));
        Tensor tf = read_idx(dir.file("f"));
        CHECK(tf.dtype() == kFloat32);
        CHECK(tf.item<float>() == -1.5f);
        uint64_t db;
        double d = 0.1;
        std::memcpy(&db, &d, 8);
        std::vector<uint8_t> q;
        append_be32(q, static_cast<uint32_t>(db >> 32));
        append_be32(q, static_cast<uint32_t>(db));
        ember_test::write_bytes(dir.file("d"), idx_bytes(0x0E, {1, 1}, q));
        Tensor td = read_idx(dir.file("d"));
        CHECK(td.dtype() == kFloat64);
        CHECK(td.item<double>() == 0.1);
    }
    SECTION("gzip-compressed file gives the same tensor") {
        auto bytes = idx_bytes(0x08, {3, 2}, {1, 2, 3, 4, 5, 6});
        ember_test::write_bytes(dir.file("plain"), bytes);
        write_gzip(dir.file("packed.gz"), bytes);
        CHECK(read_idx(dir.file("packed.gz")).equal(read_idx(dir.file("plain"))));
    }
    SECTION("empty dimension") {
        ember_test::write_bytes(dir.file("e"), idx_bytes(0x08, {0, 28, 28}, {}));
        CHECK(read_idx(dir.file("e")).sizes() == IntArrayRef({0, 28, 28}));
    }
}

TEST_CASE("write_idx round trips and rejects unrepresentable values", "[data][idx]") {
    ScratchDir dir("idx_write");
    Tensor img = arange(24, dtype(kInt64)).view({2, 3, 4}).mul(10);
    write_idx(dir.file("u8"), img, IdxType::UByte);
    CHECK(read_idx(dir.file("u8")).equal(img));
    // The header bytes are exactly the spec's (checked against raw bytes, not the reader).
    auto raw = ember_test::read_bytes(dir.file("u8"));
    REQUIRE(raw.size() == 4 + 12 + 24);
    CHECK(std::vector<uint8_t>(raw.begin(), raw.begin() + 8) == std::vector<uint8_t>{0, 0, 8, 3, 0, 0, 0, 2});
    Tensor neg = tensor(std::vector<int64_t>{-300, 0, 32767});
    write_idx(dir.file("i16"), neg, IdxType::Short);
    CHECK(read_idx(dir.file("i16")).equal(neg));
    Tensor fl = tensor({0.25, -3.5, 1e10}, dtype(kFloat64));
    write_idx(dir.file("f64"), fl, IdxType::Double);
    CHECK(read_idx(dir.file("f64")).equal(fl));
    write_idx(dir.file("f32"), fl, IdxType::Float);
    CHECK(read_idx(dir.file("f32")).equal(fl.to(kFloat32)));
    // Non-contiguous input is fine.
    write_idx(dir.file("t"), img[0].t(), IdxType::Int);
    CHECK(read_idx(dir.file("t")).equal(img[0].t().contiguous()));
    require_throws_with<ValueError>(
        [&] { write_idx(dir.file("bad"), tensor(std::vector<int64_t>{256}), IdxType::UByte); },
        {"write_idx", "element 0", "is 256", "not an integer in [0, 255]", "ubyte"});
    require_throws_with<ValueError>([&] { write_idx(dir.file("bad"), tensor({0.5}), IdxType::UByte); },
                                    {"write_idx", "is 0.5", "not an integer"});
    require_throws_with<ShapeError>([&] { write_idx(dir.file("bad"), scalar_tensor(1), IdxType::UByte); },
                                    {"write_idx", "1 to 255 dimensions", "Tensor[] float32 cpu"});
    CHECK_FALSE(std::filesystem::exists(dir.file("bad")));
}

TEST_CASE("read_idx rejects malformed files with IOError naming the path", "[data][idx]") {
    ScratchDir dir("idx_bad");
    const std::string p = dir.file("bad.idx");
    auto good = idx_bytes(0x08, {2, 3}, {1, 2, 3, 4, 5, 6});
    auto expect_reject = [&](const std::vector<uint8_t>& bytes, const char* what, const std::string& mention) {
        INFO(what);
        ember_test::write_bytes(p, bytes);
        require_throws_with<IOError>([&] { (void)read_idx(p); }, {"invalid IDX file", p, mention});
    };
    expect_reject({}, "empty file", "magic number needs 4 bytes at offset 0 but only 0 remain");
    expect_reject({0, 0, 8}, "truncated magic", "only 3 remain");
    expect_reject(std::vector<uint8_t>(good.begin(), good.end() - 1), "truncated data",
                  "6 data bytes after a 12-byte header (18 bytes in all), but the file has 17 bytes");
    expect_reject(std::vector<uint8_t>(good.begin(), good.begin() + 9), "truncated dims",
                  "the dimension sizes needs 8 bytes at offset 4");
    auto extra = good;
    extra.push_back(0);
    expect_reject(extra, "trailing byte", "but the file has 19 bytes");
    auto magic = good;
    magic[0] = 1;
    expect_reject(magic, "bad magic", "bad magic number");
    auto type = good;
    type[2] = 0x0A;
    expect_reject(type, "unknown type", "unknown element type 0xa");
    auto zero_dims = good;
    zero_dims[3] = 0;
    expect_reject(zero_dims, "zero dimensions", "declares 0 dimensions");
    auto lying = good;
    lying[7] = 200;  // claims 200 rows
    expect_reject(lying, "lying dimension", "shape [200, 3]");
    // Sizes whose product overflows 64 bits must be caught before any allocation.
    expect_reject(idx_bytes(0x0E, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, {}), "overflowing product", "overflow 64 bits");
    // gzip: truncated stream, decompressed data shorter/longer than declared, and an absurd claim.
    write_gzip(p, lying);
    require_throws_with<IOError>([&] { (void)read_idx(p); }, {"invalid IDX file", p, "decompressed data is truncated"});
    write_gzip(p, extra);
    require_throws_with<IOError>([&] { (void)read_idx(p); }, {"invalid IDX file", p, "trailing"});
    write_gzip(p, idx_bytes(0x08, {60000, 60000, 60000}, {}));
    require_throws_with<IOError>([&] { (void)read_idx(p); }, {"invalid IDX file", p, "gzip"});
    write_gzip(p, good);
    auto gz = ember_test::read_bytes(p);
    ember_test::write_bytes(p, std::vector<uint8_t>(gz.begin(), gz.begin() + gz.size() / 2));
    require_throws_with<IOError>([&] { (void)read_idx(p); }, {"invalid IDX file", p, "gzip stream is truncated"});
    require_throws_with<IOError>([&] { (void)read_idx(dir.file("missing")); },
                                 {"cannot open IDX file", dir.file("missing")});
    require_throws_with<IOError>([&] { (void)read_idx(dir.path().string()); },
                                 {"IDX file", dir.path().string(), "not a regular file"});
}

TEST_CASE("load_mnist reads any MNIST-layout folder, plain or gzip", "[data][mnist]") {
    for (bool gz : {false, true}) {
        ScratchDir dir(gz ? "mnist_gz" : "mnist_plain");
        write_tiny_mnist(dir, "train", gz);
        write_tiny_mnist(dir, "t10k", gz);
        CHECK(fashion_mnist_available(dir.path().string()));
        MNISTSplit s = load_mnist(dir.path().string(), true);
        CHECK(s.images.dtype() == kFloat32);
        CHECK(s.images.sizes() == IntArrayRef({2, 2, 3}));
        CHECK(s.labels.to_vector<int64_t>() == std::vector<int64_t>{7, 3});
        CHECK(s.images[0][0][1].item<float>() == Approx(51.0 / 255));
        CHECK(s.images[0][1][2].item<float>() == 1.0f);
        CHECK(fashion_mnist(dir.path().string(), false).images.equal(s.images));
    }
    ScratchDir empty_dir("mnist_missing");
    CHECK_FALSE(fashion_mnist_available(empty_dir.path().string()));
    require_throws_with<IOError>([&] { (void)fashion_mnist(empty_dir.path().string()); },
                                 {"not found", empty_dir.path().string(), "apt-get install dataset-fashion-mnist"});
    require_throws_with<IOError>(
        [&] { (void)load_mnist(empty_dir.path().string()); },
        {"MNIST-layout data set not found", "train-images-idx3-ubyte", empty_dir.path().string()});
    // Image and label counts must agree.
    ScratchDir mismatch("mnist_mismatch");
    write_tiny_mnist(mismatch, "train", false);
    ember_test::write_bytes(mismatch.file("train-labels-idx1-ubyte"), idx_bytes(0x08, {3}, {1, 2, 3}));
    require_throws_with<IOError>([&] { (void)load_mnist(mismatch.path().string()); },
                                 {"MNIST files disagree", "2 images", "3 labels"});
}

TEST_CASE("Fashion-MNIST from dataset-fashion-mnist", "[data][mnist][fashion]") {
    if (!fashion_mnist_available()) {
        WARN("SKIPPED: Fashion-MNIST not found in " << kFashionMnistRoot << " (apt-get install dataset-fashion-mnist)");
        return;
    }
    MNISTSplit train = fashion_mnist();
    MNISTSplit test = fashion_mnist(kFashionMnistRoot, false);
    CHECK(train.images.sizes() == IntArrayRef({60000, 28, 28}));
    CHECK(train.labels.sizes() == IntArrayRef({60000}));
    CHECK(test.images.sizes() == IntArrayRef({10000, 28, 28}));
    CHECK(test.labels.sizes() == IntArrayRef({10000}));
    for (const MNISTSplit* s : {&train, &test}) {
        CHECK(s->labels.min().item<int64_t>() == 0);
        CHECK(s->labels.max().item<int64_t>() == 9);
        CHECK(s->images.min().item<float>() == 0.0f);
        CHECK(s->images.max().item<float>() == 1.0f);
    }
    // Fashion-MNIST is balanced: 6000 training and 1000 test images per class.
    Tensor counts = one_hot(train.labels, 10).sum({0});
    CHECK(counts.equal(full({10}, 6000, dtype(kInt64))));
    CHECK(one_hot(test.labels, 10).sum({0}).equal(full({10}, 1000, dtype(kInt64))));
}

TEST_CASE("read_idx refuses an empty shape whose strides would overflow", "[data][idx][fuzz]") {
    // Regression (fuzzing): sizes (0, 2^32-1, 2^32-1, 2^32-1) hold no bytes, so the file size
    // matched, but the contiguous strides of the tensor they become overflow int64.
    ScratchDir dir("idx_stride_overflow");
    const std::string p = dir.file("x.idx");
    ember_test::write_bytes(p, idx_bytes(0x0D, {0, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, {}));
    require_throws_with<IOError>([&] { (void)read_idx(p); }, {"invalid IDX file", p, "overflow"});
    ember_test::write_bytes(p, idx_bytes(0x0D, {0, 0xFFFFFFFF, 0xFFFFFF}, {}));
    CHECK(read_idx(p).sizes() == IntArrayRef({0, 0xFFFFFFFF, 0xFFFFFF}));
}

TEST_CASE("read_idx reads multi-member gzip and rejects bytes after the gzip stream", "[data][idx]") {
    ScratchDir dir("idx_gzip_members");
    auto good = idx_bytes(0x08, {2, 3}, {1, 2, 3, 4, 5, 6});
    // Two members (as `cat a.gz b.gz` makes) decompress to their concatenation.
    write_gzip(dir.file("a.gz"), std::vector<uint8_t>(good.begin(), good.begin() + 7));
    write_gzip(dir.file("b.gz"), std::vector<uint8_t>(good.begin() + 7, good.end()));
    auto two = ember_test::read_bytes(dir.file("a.gz"));
    auto b = ember_test::read_bytes(dir.file("b.gz"));
    two.insert(two.end(), b.begin(), b.end());
    const std::string p = dir.file("x.idx.gz");
    ember_test::write_bytes(p, two);
    CHECK(read_idx(p).to_vector<int64_t>() == std::vector<int64_t>{1, 2, 3, 4, 5, 6});
    // Garbage after the last member, and a damaged CRC, are errors (zlib's gzread ignored the first).
    write_gzip(p, good);
    auto gz = ember_test::read_bytes(p);
    auto trailing = gz;
    trailing.insert(trailing.end(), {'j', 'u', 'n', 'k'});
    ember_test::write_bytes(p, trailing);
    require_throws_with<IOError>([&] { (void)read_idx(p); }, {"invalid IDX file", p, "gzip"});
    auto bad_crc = gz;
    bad_crc[bad_crc.size() - 8] ^= 0xFF;
    ember_test::write_bytes(p, bad_crc);
    require_throws_with<IOError>([&] { (void)read_idx(p); }, {"invalid IDX file", p, "gzip"});
}
