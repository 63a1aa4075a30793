#pragma once
// RandomSampler: a new random permutation of 0 .. size - 1 every epoch, drawn with
// ember::randperm from ember's global generator, so ember::manual_seed(s) before the loader is made
// reproduces every epoch. (ember's generator is not libtorch's: the same seed gives other orders.)
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ember/data/samplers/base.h"
#include "ember/tensor/tensor.h"

namespace ember::data::samplers {

class RandomSampler : public Sampler<> {
public:
    // Draws a permutation now, as libtorch's does (the loader draws a fresh one at each epoch's start).
    explicit RandomSampler(int64_t size, Dtype index_dtype = kInt64);
    ~RandomSampler() override;

    void reset(optional<size_t> new_size = nullopt) override;
    optional<std::vector<size_t>> next(size_t batch_size) override;

    size_t index() const noexcept { return static_cast<size_t>(index_); }

private:
    Tensor indices_;
    int64_t index_ = 0;
};

}  // namespace ember::data::samplers
