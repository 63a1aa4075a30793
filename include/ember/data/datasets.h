#pragma once
// libtorch's data sets (torch::data::datasets): the interfaces, MapDataset, TensorDataset, MNIST.
#include "ember/data/datasets/base.h"
#include "ember/data/datasets/map.h"
#include "ember/data/datasets/mnist.h"
#include "ember/data/datasets/tensor.h"
