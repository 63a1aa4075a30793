// libFuzzer target: the npy reader on arbitrary bytes. See docs/fuzzing.md.
#include "data/readers.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return ember_fuzz::run_reader(data, size, [](std::span<const uint8_t> bytes) {
        ember_fuzz::check_tensor(ember::data::detail::load_npy_from_memory(bytes, "<fuzz input>"));
    });
}
