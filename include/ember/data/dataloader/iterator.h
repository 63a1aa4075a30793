#pragma once
// The iterator of a data loader (libtorch's torch::data::Iterator<Batch>): an input iterator over
// one epoch, for range-for and the standard algorithms. A valid iterator fetches its first batch
// when first needed (dereferenced, incremented or compared); a default-constructed one is the end
// sentinel and equals a valid one once the epoch is exhausted. Copies share their position.
// An iterator lives no longer than its loader, and begin() on the loader starts a new epoch.
#include <cstddef>
#include <functional>
#include <iterator>
#include <memory>
#include <utility>

#include "ember/tensor/error.h"
#include "ember/tensor/optional.h"

namespace ember::data {

template <typename Batch>
class Iterator {
public:
    using difference_type = std::ptrdiff_t;
    using value_type = Batch;
    using pointer = Batch*;
    using reference = Batch&;
    using iterator_category = std::input_iterator_tag;
    // Returns the next batch of the epoch, nullopt at its end.
    using BatchProducer = std::function<optional<Batch>()>;

    Iterator() = default;
    explicit Iterator(BatchProducer next) : state_(std::make_shared<State>(std::move(next))) {}

    Iterator& operator++() {
        EMBER_ENFORCE(state_, IndexError, "DataLoader: incrementing the past-the-end iterator");
        state_->fetch();
        EMBER_ENFORCE(state_->batch, IndexError, "DataLoader: incrementing an iterator past the end of the epoch");
        state_->advance();
        return *this;
    }
    Batch& operator*() const {
        EMBER_ENFORCE(state_, IndexError, "DataLoader: dereferencing the past-the-end iterator");
        state_->fetch();
        EMBER_ENFORCE(state_->batch, IndexError, "DataLoader: dereferencing an iterator past the end of the epoch");
        return *state_->batch;
    }
    Batch* operator->() const { return &**this; }

    bool operator==(const Iterator& other) const {
        if (state_ && other.state_) return state_ == other.state_;
        if (!state_ && !other.state_) return true;
        const std::shared_ptr<State>& valid = state_ ? state_ : other.state_;
        valid->fetch();
        return !valid->batch;
    }

private:
    struct State {
        explicit State(BatchProducer next) : next(std::move(next)) {}
        // When a fetch throws, the iterator stays unfetched rather than on the previous batch: a
        // caller that catches the exception and goes on gets the batch after the failed one.
        void fetch() {
            if (!fetched) {
                batch = next();
                fetched = true;
            }
        }
        void advance() {
            batch.reset();
            fetched = false;
            fetch();
        }
        BatchProducer next;
        optional<Batch> batch;
        bool fetched = false;
    };
    std::shared_ptr<State> state_;  // null for the end sentinel
};

}  // namespace ember::data
