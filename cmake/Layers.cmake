# One STATIC library per layer, linked only along the arrows the top-level CMakeLists.txt lists.
#
#   auction_layer(<target> DIR <folder> MAY_INCLUDE <folder>... [LINK <target>...] [SOURCES <file>...]
#                 [EXCLUDE <regex>])
#
# declares the library of the layer in <folder> (its *.cpp and those of its subfolders but the ones matching
# EXCLUDE, plus SOURCES) and what it may see:
#
# - MAY_INCLUDE lists the folders (relative to the repository) whose headers the layer's files may include:
#   its own folder and those of the layers it points to. LINK lists the layer targets it links (PUBLIC, so a
#   layer above sees what its arrows allow, transitively).
# - The include path exposes only those folders: the layer compiles against a staging directory
#   (build/layers/<target>/) holding one symlink per allowed folder, never the repository root. An include
#   across a forbidden arrow, even of a header-only file that linking would never notice, is not found.
# - Before the compiler sees the layer, cmake/CheckLayerIncludes.cmake reads every #include of the layer's
#   files and fails the build naming the file, the line, the include and the rule broken. The compiler's
#   "No such file or directory" alone would not say that the file exists and a layer rule forbids it, so the
#   check runs first and the staging directory is the backstop for what a scan cannot see (macro includes).

set(AUCTION_LAYER_ROOTS app cmd domain infra internal pkg ports tests bench CACHE INTERNAL
  "First path components of the project's own headers (anything else is a system or third-party header)")

function(auction_layer target)
  cmake_parse_arguments(L "" "DIR;EXCLUDE" "MAY_INCLUDE;LINK;SOURCES" ${ARGN})
  if(NOT L_DIR OR NOT L_MAY_INCLUDE)
    message(FATAL_ERROR "auction_layer(${target}): DIR and MAY_INCLUDE are required")
  endif()
  set(src ${CMAKE_SOURCE_DIR}/${L_DIR})
  file(GLOB_RECURSE cpps CONFIGURE_DEPENDS ${src}/*.cpp)
  file(GLOB_RECURSE hpps CONFIGURE_DEPENDS ${src}/*.hpp)
  if(L_EXCLUDE)
    list(FILTER cpps EXCLUDE REGEX "${L_EXCLUDE}")
  endif()

  # The staging directory: build/layers/<target>/<folder> -> <repository>/<folder>, one per allowed folder.
  set(stage ${CMAKE_BINARY_DIR}/layers/${target})
  file(REMOVE_RECURSE ${stage})
  foreach(folder ${L_MAY_INCLUDE})
    if(NOT IS_DIRECTORY ${CMAKE_SOURCE_DIR}/${folder})
      message(FATAL_ERROR "auction_layer(${target}): MAY_INCLUDE names ${folder}, which is not a folder")
    endif()
    get_filename_component(parent ${stage}/${folder} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${folder} ${stage}/${folder} SYMBOLIC)
  endforeach()

  # The include check, as a build step the layer's objects wait for (Ninja orders a target's custom
  # commands before its compilations). It reruns when a file of the layer changes.
  set(stamp ${CMAKE_CURRENT_BINARY_DIR}/${target}.includes-checked)
  string(REPLACE ";" "," allowed "${L_MAY_INCLUDE}")
  string(REPLACE ";" "," roots "${AUCTION_LAYER_ROOTS}")
  add_custom_command(OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -DLAYER=${target} -DLAYER_DIR=${L_DIR} -DALLOWED=${allowed} -DROOTS=${roots}
      -DSOURCE_DIR=${CMAKE_SOURCE_DIR} -DSTAMP=${stamp} -P ${CMAKE_SOURCE_DIR}/cmake/CheckLayerIncludes.cmake
    DEPENDS ${cpps} ${hpps} ${CMAKE_SOURCE_DIR}/cmake/CheckLayerIncludes.cmake
    COMMENT "Checking the includes of ${L_DIR}/ against the layer arrows (${target})"
    VERBATIM)

  add_library(${target} STATIC ${cpps} ${L_SOURCES} ${stamp})
  target_include_directories(${target} PUBLIC ${stage})
  target_link_libraries(${target} PUBLIC ${L_LINK} PRIVATE auction_warnings)
  set_property(TARGET ${target} PROPERTY AUCTION_LAYER_DIR ${L_DIR})
endfunction()
