#pragma once
// The global generator's state, as torch.get_rng_state()/set_rng_state() (PyTorch's Python names;
// libtorch spells it Generator::get_state/set_state). ember has one global Philox generator, for
// every device; its whole state is (seed, offset) (see src/kernels/philox.h), returned as an int64
// tensor {seed, offset} holding the two uint64 words bit for bit. set_rng_state(s) with an s that
// get_rng_state() returned earlier makes the following random ops draw exactly what they drew
// then: training checkpoints (ember/nn/checkpoint.h) rely on it.
#include "ember/tensor/tensor.h"

namespace ember {

Tensor get_rng_state();
// ValueError for anything but a CPU int64 tensor of 2 elements.
void set_rng_state(const Tensor& state);

}  // namespace ember
