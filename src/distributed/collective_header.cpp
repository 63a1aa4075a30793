#include "distributed/collective_header.h"

#include <sstream>

#include "ember/distributed/reduce_op.h"
#include "ember/tensor/error.h"

namespace ember::distributed::detail {

namespace {
// Field positions in a Header.
enum Field { kKind, kDtype, kOp, kRoot, kBad, kNdim, kNumel, kSizes };
static_assert(kSizes + kHeaderDims + 1 == kHeaderLength);

std::string describe(const int64_t* h) {
    if (h[kBad]) return "(invalid arguments)";
    std::ostringstream os;
    os << dtype_name(static_cast<ScalarType>(h[kDtype])) << " [";
    for (int64_t d = 0; d < h[kNdim] && d < kHeaderDims; ++d) os << (d ? ", " : "") << h[kSizes + d];
    if (h[kNdim] > kHeaderDims) os << ", ...";
    os << "]";
    return os.str();
}
}  // namespace

const char* collective_name(Collective c) {
    switch (c) {
        case Collective::AllReduce: return "all_reduce";
        case Collective::Broadcast: return "broadcast";
        case Collective::AllGather: return "all_gather";
        case Collective::ReduceScatter: return "reduce_scatter";
        case Collective::Barrier: return "barrier";
    }
    return "?";
}

Header make_header(Collective c, const Tensor& tensor, int64_t op, int64_t root, bool bad_arguments) {
    Header h{};
    h[kKind] = static_cast<int64_t>(c);
    h[kOp] = op;
    h[kRoot] = root;
    h[kBad] = bad_arguments ? 1 : 0;
    if (bad_arguments || !tensor.defined()) return h;
    h[kDtype] = static_cast<int64_t>(tensor.scalar_type());
    h[kNdim] = tensor.dim();
    h[kNumel] = tensor.numel();
    // The last slot folds the sizes past kHeaderDims (FNV-1a), so deep shapes are compared too.
    uint64_t fold = 1469598103934665603ull;
    for (int64_t d = 0; d < tensor.dim(); ++d) {
        if (d < kHeaderDims)
            h[kSizes + d] = tensor.size(d);
        else
            fold = (fold ^ static_cast<uint64_t>(tensor.size(d))) * 1099511628211ull;
    }
    h[kHeaderLength - 1] = static_cast<int64_t>(fold);
    return h;
}

void check_headers(Collective c, int rank, const std::vector<int64_t>& all, MustMatch must,
                   const std::exception_ptr& local_error) {
    const int world = static_cast<int>(all.size() / kHeaderLength);
    const char* name = collective_name(c);
    if (local_error) std::rethrow_exception(local_error);
    auto at = [&](int r) { return all.data() + static_cast<size_t>(r) * kHeaderLength; };
    for (int r = 0; r < world; ++r)
        EMBER_ENFORCE(!at(r)[kBad], Error, "ember::distributed::", name, ": rank ", r, " of ", world,
                      " passed invalid arguments (its own error says which); rank ", rank, " stops this ", name,
                      " too");
    for (int r = 0; r < world; ++r)
        EMBER_ENFORCE(at(r)[kKind] == at(rank)[kKind], Error, "ember::distributed::", name, ": rank ", rank, " called ",
                      name, " but rank ", r, " called ", collective_name(static_cast<Collective>(at(r)[kKind])),
                      " at the same point; every rank must call the same collectives in the same order");
    if (must.root)
        for (int r = 0; r < world; ++r)
            EMBER_ENFORCE(at(r)[kRoot] == at(rank)[kRoot], Error, "ember::distributed::", name, ": rank ", rank,
                          " uses src ", at(rank)[kRoot], " but rank ", r, " uses src ", at(r)[kRoot],
                          "; every rank must pass the same src");
    if (must.op)
        for (int r = 0; r < world; ++r)
            EMBER_ENFORCE(at(r)[kOp] == at(rank)[kOp], Error, "ember::distributed::", name, ": rank ", rank,
                          " reduces with ", static_cast<ReduceOp>(at(rank)[kOp]), " but rank ", r, " with ",
                          static_cast<ReduceOp>(at(r)[kOp]), "; every rank must pass the same op");
    if (must.dtype_and_shape)
        for (int r = 0; r < world; ++r) {
            bool same = true;
            for (int f = kDtype; f < kHeaderLength; ++f)
                if (f != kOp && f != kRoot && at(r)[f] != at(rank)[f]) same = false;
            if (same) continue;
            std::string message =
                str_cat("ember::distributed::", name, ": rank ", rank, " has a tensor of ", describe(at(rank)),
                        " but rank ", r, " has ", describe(at(r)), "; every rank must pass the same dtype and shape");
            if (at(r)[kDtype] != at(rank)[kDtype]) throw DTypeError(message);
            throw ShapeError(message);
        }
}

}  // namespace ember::distributed::detail
