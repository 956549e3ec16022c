# Helpers shared by the four libraries and the tests.

# Warnings for brainenc's own code (third-party headers come in as SYSTEM includes).
function(brainenc_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wno-unknown-pragmas)
  if(BRAINENC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# brainenc_library(<name> <folder>): a library from <folder>/src/*.cpp with the public headers
# in <folder>/include/brainenc/<folder>/.
function(brainenc_library name folder)
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_compile_definitions(${name} PUBLIC BRAINENC_VERSION="${PROJECT_VERSION}")
  brainenc_warnings(${name})
endfunction()
