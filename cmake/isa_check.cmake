# Compile-only check that the given targets build warning-free (-Werror) for every x86-64 ISA
# level, whatever the host: GCC's warnings depend on the target ISA (Eigen's AVX-512 code raises
# some that its SSE code does not), and they are raised at compile time, so any host can check
# any level. The kernel sets are already compiled at x86-64, -v3 and -v4 by every build.
#
# flowlab_isa_check(<levels> TARGETS <targets>...): for each level, one object library per target
# with the target's own sources and usage requirements, compiled with -march=<level> and never
# linked or run.
function(flowlab_isa_check)
  cmake_parse_arguments(arg "" "" "LEVELS;TARGETS;KERNEL_SOURCES" ${ARGN})
  foreach(level IN LISTS arg_LEVELS)
    string(REPLACE "-" "_" tag ${level})
    set(check_targets)
    foreach(target IN LISTS arg_TARGETS)
      get_target_property(sources ${target} SOURCES)
      get_target_property(dir ${target} SOURCE_DIR)
      get_target_property(libraries ${target} LINK_LIBRARIES)
      set(files)
      foreach(source IN LISTS sources)
        if(source MATCHES "\\.cpp$" AND NOT source MATCHES "shaders_embedded")
          cmake_path(ABSOLUTE_PATH source BASE_DIRECTORY ${dir} OUTPUT_VARIABLE file)
          list(APPEND files ${file})
        endif()
      endforeach()
      if(NOT files)
        continue()
      endif()
      list(TRANSFORM libraries REPLACE "^flowlab_options$" "flowlab_common")
      set(check isa_check_${tag}_${target})
      add_library(${check} OBJECT ${files})
      target_link_libraries(${check} PRIVATE ${libraries} flowlab_common)
      get_target_property(includes ${target} INCLUDE_DIRECTORIES)
      if(includes)
        target_include_directories(${check} PRIVATE ${includes})
      endif()
      get_target_property(definitions ${target} COMPILE_DEFINITIONS)
      if(definitions)
        target_compile_definitions(${check} PRIVATE ${definitions})
      endif()
      target_compile_options(${check} PRIVATE -march=${level} -g0)
      list(APPEND check_targets ${check})
    endforeach()
    # The kernel sets' sources at the levels the build does not already compile them at.
    if(NOT level MATCHES "^x86-64-v[34]$")
      set(check isa_check_${tag}_kernels)
      add_library(${check} OBJECT ${arg_KERNEL_SOURCES})
      target_link_libraries(${check} PRIVATE flowlab_common Eigen3::Eigen)
      target_include_directories(${check} PRIVATE ${PROJECT_BINARY_DIR}/include)
      target_compile_definitions(${check} PRIVATE FLOWLAB_KERNEL_NS=simd_check)
      target_compile_options(${check} PRIVATE -march=${level} -g0)
      list(APPEND check_targets ${check})
    endif()
    add_custom_target(isa_check_${tag} ALL DEPENDS ${check_targets}
      COMMENT "The whole tree compiles warning-free for -march=${level}")
  endforeach()
endfunction()

# flowlab_native_level(<var>): the x86-64 level whose code paths -march=native takes on this host
# (x86-64-v4 when it has AVX-512 F/BW/DQ/VL, x86-64-v3 with AVX2 and FMA, else x86-64-v2).
function(flowlab_native_level var)
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -march=native -dM -E -x c++ /dev/null
                  OUTPUT_VARIABLE macros ERROR_QUIET)
  set(level x86-64-v2)
  if(macros MATCHES "__AVX2__" AND macros MATCHES "__FMA__")
    set(level x86-64-v3)
  endif()
  if(macros MATCHES "__AVX512F__" AND macros MATCHES "__AVX512BW__" AND macros MATCHES "__AVX512DQ__"
     AND macros MATCHES "__AVX512VL__")
    set(level x86-64-v4)
  endif()
  set(${var} ${level} PARENT_SCOPE)
endfunction()
