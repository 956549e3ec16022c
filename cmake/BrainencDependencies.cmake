# Every dependency comes from a Debian 12 package (see README.md). On the GPU machine the
# same packages are unpacked under a prefix and LibTorch comes from PyTorch's wheel
# (../shared/device/README.md).

find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options CONFIG)
find_package(nlohmann_json 3 REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(Threads REQUIRED)

# Debian's NIFTIConfig.cmake points at lib/ instead of lib/x86_64-linux-gnu: find niftilib by hand.
# Only libnifti2 is linked (never libniftiio as well: both export the same unversioned symbols).
find_path(NIFTI_INCLUDE_DIR nifti2_io.h PATH_SUFFIXES nifti REQUIRED)
find_library(NIFTI2_LIBRARY nifti2 REQUIRED)
find_library(ZNZ_LIBRARY znz REQUIRED)
find_package(ZLIB REQUIRED)
add_library(brainenc_niftilib INTERFACE)
target_include_directories(brainenc_niftilib SYSTEM INTERFACE ${NIFTI_INCLUDE_DIR})
target_link_libraries(brainenc_niftilib INTERFACE ${NIFTI2_LIBRARY} ${ZNZ_LIBRARY} ZLIB::ZLIB m)

# ISA-L's igzip: inflate at several times zlib's speed (the streaming reader's decompressor).
find_path(ISAL_INCLUDE_DIR isa-l/igzip_lib.h REQUIRED)
find_library(ISAL_LIBRARY isal REQUIRED)
add_library(brainenc_isal INTERFACE)
target_include_directories(brainenc_isal SYSTEM INTERFACE ${ISAL_INCLUDE_DIR})
target_link_libraries(brainenc_isal INTERFACE ${ISAL_LIBRARY})

set(BRAINENC_HAVE_CUDA OFF)
if(BRAINENC_WITH_TORCH)
  find_package(Torch REQUIRED)
  if(TARGET torch_cuda OR TORCH_CUDA_LIBRARIES)
    set(BRAINENC_HAVE_CUDA ON)
  endif()
  if(BRAINENC_WITH_CUDA AND NOT BRAINENC_HAVE_CUDA)
    message(FATAL_ERROR "BRAINENC_WITH_CUDA=ON but the LibTorch found (${Torch_DIR}) has no CUDA")
  endif()
endif()

if(BRAINENC_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
