#pragma once
// In-memory entry points of the file readers (IDX, safetensors, npy). Internal, not part of the
// public API: the public readers take a path, open it as a FileReader and run the same function as
// these, so a buffer passed here goes through exactly the checks a file does. The fuzz targets in
// fuzz/ use them to feed libFuzzer's inputs without a temporary file per input.
//
// `name` stands for the path in error messages. Every failure is an ember::Error (IOError for a
// malformed buffer), as for the path readers.
#include <cstdint>
#include <map>
#include <span>
#include <string>

#include "ember/data/idx.h"
#include "ember/tensor/tensor.h"

namespace ember::data::detail {

IdxFile read_idx_file_from_memory(std::span<const uint8_t> bytes, const std::string& name);
Tensor read_idx_from_memory(std::span<const uint8_t> bytes, const std::string& name);

std::map<std::string, Tensor> load_tensors_from_memory(std::span<const uint8_t> bytes, const std::string& name);
std::map<std::string, std::string> load_tensors_metadata_from_memory(std::span<const uint8_t> bytes,
                                                                     const std::string& name);

Tensor load_npy_from_memory(std::span<const uint8_t> bytes, const std::string& name);

}  // namespace ember::data::detail
