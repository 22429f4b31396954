# The B_q investigation (issue 18): build/examples/hotspot_spectra, run by examples/hotspot_upc/bq/run.sh.
add_executable(hotspot_spectra ${CMAKE_CURRENT_LIST_DIR}/hotspot_spectra.cpp)
target_link_libraries(hotspot_spectra PRIVATE flowprior_models)
set_target_properties(hotspot_spectra PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/examples)
