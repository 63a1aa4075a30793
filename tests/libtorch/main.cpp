// Catch2 main of the libtorch differential tests. PREFIX_ALL because libtorch's headers bring in
// glog, whose CHECK macros would clash with Catch2's.
#define CATCH_CONFIG_MAIN
#define CATCH_CONFIG_PREFIX_ALL
#include <catch2/catch.hpp>
