# Runs a ported program built against ember and against libtorch; their outputs must be equal.
execute_process(COMMAND ${EMBER} OUTPUT_VARIABLE ember_out ERROR_VARIABLE ember_err RESULT_VARIABLE ember_rc)
execute_process(COMMAND ${TORCH} OUTPUT_VARIABLE torch_out ERROR_VARIABLE torch_err RESULT_VARIABLE torch_rc)
if(NOT ember_rc EQUAL 0)
  message(FATAL_ERROR "the ember build failed (${ember_rc}):\n${ember_out}\n${ember_err}")
endif()
if(NOT torch_rc EQUAL 0)
  message(FATAL_ERROR "the libtorch build failed (${torch_rc}):\n${torch_out}\n${torch_err}")
endif()
# A program that prints a module prints its framework's namespace (libtorch's
# `torch::nn::Linear(...)`, ember's `ember::nn::Linear(...)`): the rename the source gets is applied
# to libtorch's output too, and to nothing else.
string(REPLACE "torch::" "ember::" torch_out "${torch_out}")
# Equal text passes; otherwise the numbers may differ only by float rounding (compare_outputs.py
# says how much), everything else must be equal.
if(NOT ember_out STREQUAL torch_out)
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/ember.out "${ember_out}")
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/torch.out "${torch_out}")
  execute_process(COMMAND ${PYTHON} ${CMAKE_CURRENT_LIST_DIR}/compare_outputs.py ${CMAKE_CURRENT_BINARY_DIR}/torch.out
                          ${CMAKE_CURRENT_BINARY_DIR}/ember.out
                  OUTPUT_VARIABLE why RESULT_VARIABLE numbers_differ)
  execute_process(COMMAND diff -u ${CMAKE_CURRENT_BINARY_DIR}/torch.out ${CMAKE_CURRENT_BINARY_DIR}/ember.out
                  OUTPUT_VARIABLE d)
  if(numbers_differ)
    message(FATAL_ERROR "ember and libtorch print different results (${why}) (- libtorch, + ember):\n${d}")
  endif()
  message(STATUS "ember and libtorch agree up to float rounding in the last printed digit (- libtorch, + ember):\n${d}")
endif()
string(REGEX MATCHALL "\n" lines "${ember_out}")
list(LENGTH lines n)
message(STATUS "ember and libtorch agree on all ${n} lines")
