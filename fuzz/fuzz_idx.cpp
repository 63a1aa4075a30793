// libFuzzer target: the IDX reader (plain and gzip) on arbitrary bytes. See docs/fuzzing.md.
#include "data/readers.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return ember_fuzz::run_reader(data, size, [](std::span<const uint8_t> bytes) {
        ember_fuzz::check_tensor(ember::data::detail::read_idx_from_memory(bytes, "<fuzz input>"));
    });
}
