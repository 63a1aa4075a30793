#pragma once
// libtorch's samplers (torch::data::samplers): Sequential, Random, and the distributed ones.
#include "ember/data/samplers/base.h"
#include "ember/data/samplers/distributed.h"
#include "ember/data/samplers/random.h"
#include "ember/data/samplers/sequential.h"
