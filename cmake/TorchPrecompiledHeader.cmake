# SPDX-License-Identifier: MIT
# LibTorch's headers as one precompiled header, given only to the sources that include them.
#
# Loading the 750 MB header costs a source about 20 s even when it uses none of it (a JSON
# reader: 30 s with it, 8 s without), and AUTOMOC's empty mocs_compilation.cpp paid the same in
# every test. So each source's includes are followed through the project's own headers, and
# those that never reach <torch/…>, <ATen/…> or <c10/…> skip the header. A miss only costs time:
# every source includes what it uses.

# The folders the project's quoted includes resolve against, after the including file's own.
set(QS_INCLUDE_ROOTS
  ${PROJECT_SOURCE_DIR}/core ${PROJECT_SOURCE_DIR}/runtime ${PROJECT_SOURCE_DIR}/widgets
  ${PROJECT_SOURCE_DIR}/app/shared ${PROJECT_SOURCE_DIR}/app/gui ${PROJECT_SOURCE_DIR}/tests/fuzz)

# Sets OUT to whether FILE includes LibTorch, directly or through project headers (memoized).
function(qs_includes_torch file out)
  get_property(known GLOBAL PROPERTY "QS_TORCH_${file}" SET)
  if(known)
    get_property(answer GLOBAL PROPERTY "QS_TORCH_${file}")
    set(${out} ${answer} PARENT_SCOPE)
    return()
  endif()
  set_property(GLOBAL PROPERTY "QS_TORCH_${file}" FALSE) # a cycle reads as "not through here"
  set(answer FALSE)
  get_filename_component(own_dir "${file}" DIRECTORY)
  file(STRINGS "${file}" includes REGEX "^[ \t]*#[ \t]*include")
  foreach(line IN LISTS includes)
    if(line MATCHES "<(torch|ATen|c10)/")
      set(answer TRUE)
      break()
    endif()
    if(NOT line MATCHES "\"([^\"]+)\"")
      continue()
    endif()
    set(name "${CMAKE_MATCH_1}")
    foreach(root IN ITEMS "${own_dir}" ${QS_INCLUDE_ROOTS})
      if(EXISTS "${root}/${name}")
        qs_includes_torch("${root}/${name}" through)
        if(through)
          set(answer TRUE)
        endif()
        break()
      endif()
    endforeach()
    if(answer)
      break()
    endif()
  endforeach()
  set_property(GLOBAL PROPERTY "QS_TORCH_${file}" ${answer})
  set(${out} ${answer} PARENT_SCOPE)
endfunction()

# Gives TARGET LibTorch's precompiled header — its own, or REUSE_FROM another target's — for
# the sources that need it. Call it in the folder that defines TARGET, after its last source.
function(qs_precompile_torch target)
  cmake_parse_arguments(ARG "" "REUSE_FROM" "" ${ARGN})
  if(ARG_REUSE_FROM)
    target_precompile_headers(${target} REUSE_FROM ${ARG_REUSE_FROM})
  else()
    target_precompile_headers(${target} PRIVATE <torch/torch.h> <torch/script.h>)
  endif()
  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  foreach(source IN LISTS sources)
    get_filename_component(path "${source}" ABSOLUTE BASE_DIR "${source_dir}")
    if(path MATCHES "\\.cpp$" AND EXISTS "${path}")
      qs_includes_torch("${path}" needs_torch)
      if(NOT needs_torch)
        set_source_files_properties("${path}" PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
      endif()
    endif()
  endforeach()
  # Qt classes never include LibTorch (DESIGN.md's header firewall), so neither does their moc.
  get_target_property(automoc ${target} AUTOMOC)
  if(automoc)
    set_source_files_properties(
      "${CMAKE_CURRENT_BINARY_DIR}/${target}_autogen/mocs_compilation.cpp"
      PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
  endif()
endfunction()
