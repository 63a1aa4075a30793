#pragma once
// SequentialSampler: the indices 0, 1, ..., size - 1 in order, every epoch.
#include <cstddef>
#include <vector>

#include "ember/data/samplers/base.h"

namespace ember::data::samplers {

class SequentialSampler : public Sampler<> {
public:
    explicit SequentialSampler(size_t size) : size_(size) {}

    void reset(optional<size_t> new_size = nullopt) override;
    optional<std::vector<size_t>> next(size_t batch_size) override;

    // How many indices this epoch has handed out so far.
    size_t index() const noexcept { return index_; }

private:
    size_t size_;
    size_t index_ = 0;
};

}  // namespace ember::data::samplers
