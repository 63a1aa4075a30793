#pragma once
// How a loss reduces its per-element values, in both of libtorch's spellings:
//   - the options' reduction, `MSELossOptions().reduction(ember::kSum)` (libtorch's torch::kSum),
//     an nn::Reduction, and KLDivLoss's, which also takes `ember::kBatchMean`;
//   - the int64 argument of the top-level functions, `ember::mse_loss(x, y, ember::Reduction::Sum)`
//     (ATen's at::Reduction::Sum, reachable as torch::Reduction::Sum).
#include <cstdint>

namespace ember {

namespace nn {

// The mean (the default), the sum, or no reduction at all (a tensor of per-element or per-sample
// losses).
enum class Reduction { None, Mean, Sum };
const char* reduction_name(Reduction r);

// The tag of KLDivLoss's "batchmean": the sum divided by the batch size (the size of dim 0).
struct BatchMean {};

// KLDivLoss's reduction: a Reduction or batchmean. Only KLDivLossOptions takes it, so
// `MSELossOptions().reduction(ember::kBatchMean)` does not compile, as in libtorch.
class KLDivReduction {
public:
    constexpr KLDivReduction(Reduction r) : reduction_(r) {}
    constexpr KLDivReduction(BatchMean) : batchmean_(true) {}
    constexpr bool is_batchmean() const { return batchmean_; }
    // The reduction applied before batchmean's division (the sum).
    constexpr Reduction reduction() const { return batchmean_ ? Reduction::Sum : reduction_; }
    const char* name() const { return batchmean_ ? "batchmean" : reduction_name(reduction_); }

private:
    Reduction reduction_ = Reduction::Sum;
    bool batchmean_ = false;
};

// The int64 codes of the top-level functions, as ATen numbers them.
Reduction reduction_from_code(int64_t code, const char* op);

}  // namespace nn

// libtorch's spellings of the options' reductions: MSELossOptions().reduction(ember::kSum).
inline constexpr nn::Reduction kNone = nn::Reduction::None;
inline constexpr nn::Reduction kMean = nn::Reduction::Mean;
inline constexpr nn::Reduction kSum = nn::Reduction::Sum;
inline constexpr nn::BatchMean kBatchMean{};

// ATen's int64 reduction codes (at::Reduction::Mean, ...), for the top-level loss functions.
namespace Reduction {
enum Reduction : int64_t { None = 0, Mean = 1, Sum = 2 };
}  // namespace Reduction

}  // namespace ember
