#pragma once
// Tensor files: safetensors (the Hugging Face format, used by ember's checkpoints) and NumPy .npy.
//
// Both writers accept any tensor (non-contiguous views, other devices: they are copied to a
// contiguous CPU tensor first) and write atomically: a temporary file `path.tmp-<pid>-<n>` is
// written, fsynced and renamed over `path`, so a failure never leaves a half-written file where a
// good one was. Both readers check every field against the file before trusting it and throw
// ember::IOError naming the path and the offending tensor/field for a truncated, inconsistent or
// malicious file.
#include <map>
#include <string>
#include <vector>

#include "ember/tensor/tensor.h"

namespace ember {

// ---- safetensors (https://github.com/huggingface/safetensors) ----
// Layout: 8-byte little-endian header length N; N bytes of UTF-8 JSON
//   {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"key": "value"}}
// padded with spaces to a multiple of 8; then the byte buffer. Offsets are relative to the start
// of the buffer; the tensors tile it exactly (no gap, no overlap), little-endian, row-major.
// Dtypes: F32, F64, F16, BF16, I64, I32, U8, BOOL (every ember dtype). Tensors are written in name order.
void save_tensors(const std::map<std::string, Tensor>& tensors, const std::string& path,
                  const std::map<std::string, std::string>& metadata = {});
// Loads every tensor of a safetensors file into contiguous CPU tensors.
std::map<std::string, Tensor> load_tensors(const std::string& path);
// The "__metadata__" map of a safetensors file (empty when absent); the file is validated fully.
std::map<std::string, std::string> load_tensors_metadata(const std::string& path);

// ---- tensors, spelled as libtorch's torch::save / torch::load ----
// A tensor or a list of tensors in a safetensors file, as entries "0", "1", ... (libtorch's keys),
// with metadata "format": "ember-tensors" and "requires_grad": one '0' or '1' per tensor.
void save(const Tensor& tensor, const std::string& path);
void save(const std::vector<Tensor>& tensors, const std::string& path);
// Loads entry "0". Into an undefined tensor: the handle is bound to the loaded tensor, which
// requires grad if the saved one did. Into a defined tensor: as libtorch's set_(), the tensor
// itself takes the loaded sizes, dtype and data (every handle to it sees them) and keeps its
// requires_grad.
void load(Tensor& tensor, const std::string& path);
// Appends every entry "0", "1", ... to `tensors` (as libtorch does: the vector is not cleared).
void load(std::vector<Tensor>& tensors, const std::string& path);

// ---- NumPy .npy (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html) ----
// Writes format 1.0 (2.0 when the header needs more than 64 KiB) with descr '<f4', '<f8', '<i8'
// or '|b1' by dtype, C order.
void save_tensor_npy(const Tensor& t, const std::string& path);
// Reads format 1.0, 2.0 or 3.0. Accepted descr: f4, f8 (to float32/float64), i8 (int64), b1
// (bool), and the narrower integers i1 u1 i2 u2 i4 u4 (widened to int64); little- or big-endian.
// fortran_order True is supported (the result is the same array, in C order).
Tensor load_npy(const std::string& path);

}  // namespace ember
