// The test registry (tests/op_registry.h): op_rows() joins the rows of tests/op_rows_*.cpp, one
// file per family of ops, and reduce_ref is the reference loop of the reduction rows.
#include <map>

#include "op_registry_rows.h"

#include "core_test_util.h"

namespace op_registry {

std::vector<double> reduce_ref(const std::vector<double>& values, const Sizes& shape, const Sizes& dims,
                               const std::function<double(const std::vector<double>&)>& f) {
    Sizes out_shape = shape;
    for (int64_t d : dims) out_shape[static_cast<std::size_t>(d)] = 1;
    std::map<int64_t, std::vector<double>> groups;  // keyed by the row-major index of the kept dims
    for (std::size_t k = 0; k < values.size(); ++k) {
        std::vector<int64_t> idx = core_test::unravel(static_cast<int64_t>(k), shape);
        for (int64_t d : dims) idx[static_cast<std::size_t>(d)] = 0;
        groups[core_test::ravel(idx, out_shape)].push_back(values[k]);
    }
    std::vector<double> out;
    for (const auto& [key, group] : groups) out.push_back(f(group));
    return out;
}

const std::vector<OpRow>& op_rows() {
    static const std::vector<OpRow> rows = [] {
        std::vector<OpRow> all;
        for (auto part : {elementwise_rows, reduction_rows, other_rows, window_rows, tensor_api_rows})
            for (OpRow& row : part()) all.push_back(std::move(row));
        return all;
    }();
    return rows;
}

}  // namespace op_registry
