#pragma once
// Everything of ember::nn (modules, layers, losses, init, optimizers, models).
#include "ember/nn/dbn.h"
#include "ember/nn/layers.h"
#include "ember/nn/module.h"
#include "ember/nn/rbm.h"
#include "ember/nn/serialize.h"
#if __has_include("ember/nn/extra.h")
#include "ember/nn/extra.h"
#endif
