# cmake -P script run by each layer's build (cmake/Layers.cmake): every #include of a project header in the
# layer's files must name a folder the layer may include. On a violation it prints, per offending line,
#   <file>:<line>: error: layer rule broken: #include "<header>" ...
# and fails, so the build stops before compiling the layer.
#
# -DLAYER=<target> -DLAYER_DIR=<folder> -DALLOWED=<folder>,<folder>... -DROOTS=<root>,...
# -DSOURCE_DIR=<repository> -DSTAMP=<file written on success>

cmake_minimum_required(VERSION 3.25)

string(REPLACE "," ";" allowed "${ALLOWED}")
string(REPLACE "," ";" roots "${ROOTS}")
file(GLOB_RECURSE files ${SOURCE_DIR}/${LAYER_DIR}/*.cpp ${SOURCE_DIR}/${LAYER_DIR}/*.hpp)
list(SORT files)

set(violations 0)
foreach(file ${files})
  file(STRINGS ${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<][^\">]+[\">]")
  foreach(line ${includes})
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[\"<]([^\">]+)[\">].*$" "\\1" header "${line}")
    string(REGEX REPLACE "/.*$" "" root "${header}")
    if(root STREQUAL "..")
      # A path relative to the including file would climb past the staging directory: name it from the root.
      set(root "")
    elseif(NOT root IN_LIST roots OR header STREQUAL root)
      continue()  # a system or third-party header, or one beside the including file
    endif()
    set(ok FALSE)
    foreach(folder ${allowed})
      string(LENGTH "${folder}/" n)
      string(SUBSTRING "${header}" 0 ${n} prefix)
      if(prefix STREQUAL "${folder}/")
        set(ok TRUE)
        break()
      endif()
    endforeach()
    if(ok)
      continue()
    endif()
    # The line number, for an editor to jump to.
    file(READ ${file} text)
    string(FIND "${text}" "${line}" at)
    string(SUBSTRING "${text}" 0 ${at} before)
    string(REGEX MATCHALL "\n" newlines "${before}")
    list(LENGTH newlines n)
    math(EXPR n "${n} + 1")
    file(RELATIVE_PATH rel ${SOURCE_DIR} ${file})
    string(REPLACE ";" ", " may "${allowed}")
    message("${rel}:${n}: error: layer rule broken: #include \"${header}\" reaches a layer that ${LAYER_DIR}/ "
      "(${LAYER}) may not depend on. ${LAYER} may include only: ${may} (the arrows in CMakeLists.txt; "
      "move the code, or depend on an interface in ports/ that the lower layer implements).")
    math(EXPR violations "${violations} + 1")
  endforeach()
endforeach()

if(violations GREATER 0)
  message(FATAL_ERROR "${violations} include(s) in ${LAYER_DIR}/ cross the layer arrows (see above)")
endif()
file(TOUCH ${STAMP})
