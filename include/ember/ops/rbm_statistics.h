#pragma once
// The data-parallel form of rbm_cd_statistics (ember/ops/ops.h): the same statistics with the
// divisors of the data and model means given, instead of this call's row counts n and m.
//
// A rank of a data-parallel RBM::fit holds n of the global batch's N data rows and m of its M
// model rows (its shard of the negative samples or of the persistent chains). Called with
// data_count = N and model_count = M, every output is this rank's share of the global batch's
// statistics:
//   grad = sum over its rows of w_r dF/dtheta(v_r),  w_r = -1 / N (data), +1 / M (model),
// the gap likewise, the reconstruction error summed over its data rows / N; so one all-reduce
// (SUM) of the ranks' outputs gives the statistics of the whole batch, unequal shards included.
// n or m may be 0 (a rank with no rows of a short last batch, or no chains), not both.
// data_count = model_count = 0 means this call's n and m (each then >= 1): the overload without them.
#include <tuple>

#include "ember/tensor/tensor.h"

namespace ember {

std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor> rbm_cd_statistics(const Tensor& v_data, const Tensor& h_data,
                                                                     const Tensor& a_data, const Tensor& v_model,
                                                                     const Tensor& a_model, const Tensor& a_recon,
                                                                     const Tensor& visible_bias, bool gaussian_visible,
                                                                     bool gaussian_hidden, int64_t data_count,
                                                                     int64_t model_count);

}  // namespace ember
