#pragma once
// The reductions of torch.distributed.ReduceOp (c10d::ReduceOp::RedOpType), spelled the same.
#include <ostream>

namespace ember::distributed {

// SUM, PRODUCT, MIN and MAX apply to every dtype; on bool tensors SUM and MAX are logical or,
// PRODUCT and MIN logical and (MPI reduces C bools only with logical ops). AVG (sum divided by
// the world size) needs a floating dtype.
enum class ReduceOp { SUM, AVG, PRODUCT, MIN, MAX };

inline const char* reduce_op_name(ReduceOp op) {
    switch (op) {
        case ReduceOp::SUM: return "SUM";
        case ReduceOp::AVG: return "AVG";
        case ReduceOp::PRODUCT: return "PRODUCT";
        case ReduceOp::MIN: return "MIN";
        case ReduceOp::MAX: return "MAX";
    }
    return "?";
}
inline std::ostream& operator<<(std::ostream& os, ReduceOp op) { return os << reduce_op_name(op); }

}  // namespace ember::distributed
