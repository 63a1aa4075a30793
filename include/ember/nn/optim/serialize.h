#pragma once
// Saving and loading an optimizer, spelled as in libtorch: ember::save(optimizer, path),
// ember::load(optimizer, path). The file is a safetensors file (as a module's checkpoint), written
// atomically (a temporary file renamed over `path`), holding:
//   metadata  "format": "ember-optimizer", "optimizer": its C++ type ("ember::optim::Adam"),
//             "param_groups": the number of groups
//   param_groups.<g>.size             int64: the number of parameters of group g
//   param_groups.<g>.options.<name>   float64: every option of group g (lr, betas as beta1/beta2,
//                                     a bool as 0/1)
//   params.<i>.shape                  int64: the sizes of parameter i (numbered across the groups)
//   state.<i>.<name>                  parameter i's state (exp_avg, momentum_buffer, ...; step as int64)
// Loading checks the whole file against the optimizer before it changes anything: another kind of
// optimizer, another number or grouping of parameters, or other shapes are a ValueError that says
// which. Save the model with it (ember::save(model, path)): the optimizer's state is keyed by the
// order of its parameters, which a fresh model built by the same code reproduces.
#include <string>

#include "ember/nn/optim/optimizer.h"

namespace ember {

void save(const optim::Optimizer& optimizer, const std::string& path);
void load(optim::Optimizer& optimizer, const std::string& path);

}  // namespace ember
