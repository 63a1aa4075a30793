#pragma once
// The umbrella header: #include <ember/ember.h> gives the whole public API.
#include "ember/autograd/autograd.h"
#include "ember/data/data.h"
#include "ember/distributed/distributed.h"
#include "ember/nn/nn.h"
#include "ember/ops/ops.h"
#include "ember/ops/rbm_statistics.h"
#include "ember/ops/window_ops.h"
#include "ember/tensor/cuda.h"
#include "ember/tensor/indexing.h"
#include "ember/tensor/ivalue.h"
#include "ember/tensor/tensor.h"
