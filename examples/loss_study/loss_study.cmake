# The loss study (issue 11): build/examples/loss_study, run by examples/loss_study/run.sh. Included (not
# add_subdirectory) so that the program, not a CMake folder, owns the path build/examples/loss_study.
add_executable(loss_study
  ${CMAKE_CURRENT_LIST_DIR}/loss_study.cpp
  ${CMAKE_CURRENT_LIST_DIR}/study_datasets.cpp
  ${CMAKE_CURRENT_LIST_DIR}/study_table.cpp)
target_link_libraries(loss_study PRIVATE flowprior_density)
target_compile_definitions(loss_study PRIVATE FLOWPRIOR_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
set_target_properties(loss_study PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/examples)
