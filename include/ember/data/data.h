#pragma once
// The data and I/O layer: datasets and loaders (ember::data: ember's own Dataset/DataLoader and
// libtorch's torch::data API, make_data_loader with datasets::, samplers:: and transforms::),
// IDX/MNIST readers, synthetic data sets, PNG image grids, a progress bar, and tensor files
// (ember::save_tensors / load_tensors in safetensors, ember::save_tensor_npy / load_npy).
#include "ember/data/dataloader.h"
#include "ember/data/dataloader_options.h"
#include "ember/data/dataset.h"
#include "ember/data/datasets.h"
#include "ember/data/example.h"
#include "ember/data/idx.h"
#include "ember/data/image.h"
#include "ember/data/mnist.h"
#include "ember/data/progress.h"
#include "ember/data/samplers.h"
#include "ember/data/serialize.h"
#include "ember/data/synthetic.h"
#include "ember/data/transforms.h"
