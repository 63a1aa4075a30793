// libFuzzer target: the safetensors reader on arbitrary bytes. See docs/fuzzing.md.
#include "data/readers.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return ember_fuzz::run_reader(data, size, [](std::span<const uint8_t> bytes) {
        for (const auto& [name, t] : ember::data::detail::load_tensors_from_memory(bytes, "<fuzz input>")) {
            if (name == "__metadata__") ember_fuzz::finding("the reserved name __metadata__ was read as a tensor");
            ember_fuzz::check_tensor(t);
        }
    });
}
