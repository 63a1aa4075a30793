#pragma once
// The rest of ember::nn beyond module.h/layers.h: dropout and flatten layers, the functional
// forms and losses, initialisers, gradient clipping, and ember::optim (optimizers and
// learning-rate schedulers). Included by nn.h.
#include "ember/nn/clip_grad.h"
#include "ember/nn/dropout.h"
#include "ember/nn/functional.h"
#include "ember/nn/init.h"
#include "ember/nn/loss.h"
#include "ember/nn/optim/adam.h"
#include "ember/nn/optim/lr_scheduler.h"
#include "ember/nn/optim/optimizer.h"
#include "ember/nn/optim/sgd.h"
