#pragma once
#include "kernels/kernel_api.h"

namespace ember::cpu {
EMBER_DECLARE_KERNELS

}
