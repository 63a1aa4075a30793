#pragma once
// libtorch's samplers (torch::data::samplers): a sampler produces the batch requests of an epoch
// (lists of indices into the data set) for a DataLoader. reset() starts a new epoch (optionally
// for a data set of a new size); next(n) returns the next request of at most n indices, or nullopt
// at the end of the epoch. The loader calls both from the thread that iterates it, never from its
// workers, so a sampler needs no locking.
#include <cstddef>
#include <vector>

#include "ember/tensor/error.h"
#include "ember/tensor/optional.h"

namespace ember::serialize {
// libtorch's archives. ember has none yet: declared so that a sampler written for libtorch, which
// overrides save(OutputArchive&) and load(InputArchive&), compiles; no archive can be made.
class OutputArchive;
class InputArchive;
}  // namespace ember::serialize

namespace ember::data::samplers {

template <typename BatchRequest = std::vector<size_t>>
class Sampler {
public:
    using BatchRequestType = BatchRequest;

    virtual ~Sampler() = default;

    virtual void reset(optional<size_t> new_size) = 0;
    virtual optional<BatchRequest> next(size_t batch_size) = 0;

    // Pure in libtorch; here they have a body only because no caller can have an archive to pass.
    virtual void save(serialize::OutputArchive&) const {
        throw NotImplementedError("Sampler::save: ember has no serialize::OutputArchive yet");
    }
    virtual void load(serialize::InputArchive&) {
        throw NotImplementedError("Sampler::load: ember has no serialize::InputArchive yet");
    }
};

}  // namespace ember::data::samplers
