#pragma once
// Everything of ember::nn: modules and layers, the functional forms and losses, initialisers,
// gradient clipping, ember::optim (optimizers and learning-rate schedulers), the RBM/DBN models,
// and saving/loading a module.
#include "ember/nn/activation.h"
#include "ember/nn/any_module.h"
#include "ember/nn/clip_grad.h"
#include "ember/nn/dbn.h"
#include "ember/nn/dropout.h"
#include "ember/nn/functional.h"
#include "ember/nn/functional_module.h"
#include "ember/nn/init.h"
#include "ember/nn/layers.h"
#include "ember/nn/loss.h"
#include "ember/nn/module.h"
#include "ember/nn/module_dict.h"
#include "ember/nn/module_list.h"
#include "ember/nn/optim/adam.h"
#include "ember/nn/optim/lr_scheduler.h"
#include "ember/nn/optim/optimizer.h"
#include "ember/nn/optim/sgd.h"
#include "ember/nn/rbm.h"
#include "ember/nn/sequential.h"
#include "ember/nn/serialize.h"
