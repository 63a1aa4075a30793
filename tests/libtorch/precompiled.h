#pragma once
// The precompiled prefix of every differential test file (tests/libtorch/CMakeLists.txt):
// libtorch's headers, then Catch2 with CATCH_CONFIG_PREFIX_ALL (see diff_values.h), then ember.
// libtorch's headers alone take most of each file's compile time.
#include <torch/torch.h>

#define CATCH_CONFIG_PREFIX_ALL
#include <catch2/catch.hpp>

#include "ember/ember.h"
