# Kernel sets: the same sources compiled once per x86-64 ISA level, each into one relocatable
# object whose only global symbols are the set's own namespace (flowlab::core::simd_<set>).
#
# Why the extra link step: every inline function a kernel source uses (Eigen's templates, the
# standard library's) is also compiled, under the same name, in the set's siblings and in the rest
# of the program. The final link keeps ONE copy of each such function, possibly the AVX-512 one,
# which a CPU without AVX-512 cannot run. `ld -r` merges a set's objects; objcopy then makes every
# symbol outside the set's namespace local and drops the COMDAT groups that would let the final
# link merge them, so each set keeps its own copies and nothing else ever calls them.
#
# flowlab_kernel_set(<target> <set> <march> <sources>...) adds set <set> to <target>.
function(flowlab_kernel_set target set march)
  set(objects flowlab_kernels_${set})
  add_library(${objects} OBJECT ${ARGN})
  # -fno-gnu-unique: function-local statics of inline functions become plain weak symbols, which
  # objcopy can make local like the rest (GCC's flag; clang never emits unique symbols).
  target_compile_options(${objects} PRIVATE -march=${march}
                         $<$<CXX_COMPILER_ID:GNU>:-fno-gnu-unique>)
  target_compile_definitions(${objects} PRIVATE FLOWLAB_KERNEL_NS=simd_${set})
  target_link_libraries(${objects} PRIVATE flowlab_common Eigen3::Eigen)
  target_include_directories(${objects} PRIVATE ${PROJECT_BINARY_DIR}/include)

  set(merged ${CMAKE_CURRENT_BINARY_DIR}/kernels_${set}.o)
  string(LENGTH "simd_${set}" length)
  add_custom_command(
    OUTPUT ${merged}
    COMMAND ${CMAKE_LINKER} -r -o ${merged}.all $<TARGET_OBJECTS:${objects}>
    COMMAND ${CMAKE_OBJCOPY} --wildcard
            "--keep-global-symbol=_ZN7flowlab4core${length}simd_${set}*"
            --remove-section=.group ${merged}.all ${merged}
    DEPENDS $<TARGET_OBJECTS:${objects}>
    COMMAND_EXPAND_LISTS VERBATIM
    COMMENT "Linking kernel set ${set} (${march}) with private copies of its inline functions")
  set_source_files_properties(${merged} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  target_sources(${target} PRIVATE ${merged})
  add_dependencies(${target} ${objects})
endfunction()
