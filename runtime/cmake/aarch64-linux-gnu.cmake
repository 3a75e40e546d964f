# SPDX-License-Identifier: MIT
# Cross-compiles runtime/ for 64-bit Arm Linux with Debian's g++-aarch64-linux-gnu. The arm64
# libraries (XNNPACK, pthreadpool, cpuinfo, and the C/C++ runtime that qemu needs) come from a
# sysroot of unpacked Debian packages that scripts/build-arm64 makes; tests run under
# qemu-aarch64-static with that sysroot as its library prefix.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Read from the environment too: CMake re-reads this file for its try-compile projects, which
# do not see the cache.
if(NOT QUANTSCOPE_ARM64_SYSROOT)
  set(QUANTSCOPE_ARM64_SYSROOT "$ENV{QUANTSCOPE_ARM64_SYSROOT}")
endif()
if(NOT IS_DIRECTORY "${QUANTSCOPE_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu")
  message(FATAL_ERROR "QUANTSCOPE_ARM64_SYSROOT (${QUANTSCOPE_ARM64_SYSROOT}) is not an arm64 "
                      "sysroot; scripts/build-arm64 makes one")
endif()

# Headers and libraries from the sysroot only (never the amd64 ones); programs from the host.
set(CMAKE_FIND_ROOT_PATH "${QUANTSCOPE_ARM64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# libXNNPACK.so names libcpuinfo and libpthreadpool; the linker finds them here.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-rpath-link,${QUANTSCOPE_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu")
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static -L "${QUANTSCOPE_ARM64_SYSROOT}")
