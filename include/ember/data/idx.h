#pragma once
// IDX: the file format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/).
//
//   bytes 0-1   0x00 0x00
//   byte  2     element type: 0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
//   byte  3     number of dimensions d (>= 1)
//   then        d big-endian uint32 sizes, then prod(sizes) big-endian elements, row-major.
//
// Files may be gzip-compressed (as distributed); the reader detects the 1f 8b gzip magic and
// decompresses with zlib (one or more concatenated gzip members, nothing after the last). Every
// header field is checked and the data must fill the file exactly: a truncated file, trailing
// bytes, a size product that overflows, or a header claiming more data than the file could hold
// all throw ember::IOError naming the path.
#include <cstdint>
#include <string>
#include <vector>

#include "ember/tensor/tensor.h"

namespace ember::data {

enum class IdxType : uint8_t {
    UByte = 0x08,
    SByte = 0x09,
    Short = 0x0B,
    Int = 0x0C,
    Float = 0x0D,
    Double = 0x0E,
};

// Bytes per element of an IDX type.
int64_t idx_element_size(IdxType type);
const char* idx_type_name(IdxType type);

// The undecoded content of an IDX file: its type, its sizes, and the payload as stored
// (big-endian). Lets a caller convert the payload once into the dtype it wants (e.g. MNIST
// pixels straight to float32) instead of going through int64.
struct IdxFile {
    IdxType type = IdxType::UByte;
    std::vector<int64_t> shape;
    std::vector<uint8_t> payload;
};

IdxFile read_idx_file(const std::string& path);

// Reads an IDX file (plain or gzip) into a CPU tensor holding the stored values unchanged:
// int64 for the integer types (ubyte, sbyte, short, int), float32 for float, float64 for double.
Tensor read_idx(const std::string& path);

// Writes `t` as an uncompressed IDX file of element type `type` (atomically: temporary file and
// rename). `t` must have at least one dimension, each size must fit in uint32, and for integer
// types every value must be an integer in the type's range (ValueError otherwise).
void write_idx(const std::string& path, const Tensor& t, IdxType type);

}  // namespace ember::data
