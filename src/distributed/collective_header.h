#pragma once
// The small header each rank all-gathers before a collective's payload, and the checks on it.
// A rank whose own arguments are wrong does not throw at once (the others would wait for it in
// MPI forever): it sends a header flagged "bad arguments", and every rank throws after the
// exchange, the bad rank with its own message and the others with one naming it.
#include <array>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "ember/tensor/tensor.h"

namespace ember::distributed::detail {

enum class Collective : int64_t { AllReduce, Broadcast, AllGather, ReduceScatter, Barrier };
const char* collective_name(Collective c);

constexpr int kHeaderLength = 16;
constexpr int kHeaderDims = 8;  // sizes beyond the 8th are folded into one hashed slot
using Header = std::array<int64_t, kHeaderLength>;

// The header for `tensor` (may be undefined when bad_arguments is set).
Header make_header(Collective c, const Tensor& tensor, int64_t op, int64_t root, bool bad_arguments);

// Which header fields must agree across ranks.
struct MustMatch {
    bool dtype_and_shape = true;
    bool op = false;
    bool root = false;
};

// Throws the same ember::Error on every rank when a rank flagged bad arguments or the headers
// disagree. all_headers holds world-size headers, rank order. local_error is this rank's own
// error (null when its arguments were fine); it is rethrown as it is.
void check_headers(Collective c, int rank, const std::vector<int64_t>& all_headers, MustMatch must,
                   const std::exception_ptr& local_error);

}  // namespace ember::distributed::detail
