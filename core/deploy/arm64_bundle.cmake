# SPDX-License-Identifier: MIT
# What the aarch64 quantscope-agent takes to a board or phone besides itself, as paths in the
# arm64 sysroot: the C library's loader (first: the agent is started through it) and every
# shared library the agent needs. One list for its two readers — AgentFiles::bundle, through the
# header core/CMakeLists.txt generates from it, and the .deb (packaging/CMakeLists.txt).
set(QUANTSCOPE_ARM64_BUNDLE
  lib/ld-linux-aarch64.so.1
  lib/aarch64-linux-gnu/libc.so.6
  lib/aarch64-linux-gnu/libm.so.6
  lib/aarch64-linux-gnu/libgcc_s.so.1
  lib/aarch64-linux-gnu/libpthread.so.0
  usr/lib/aarch64-linux-gnu/libstdc++.so.6
  usr/lib/aarch64-linux-gnu/libXNNPACK.so.0
  usr/lib/aarch64-linux-gnu/libcpuinfo.so.0
  usr/lib/aarch64-linux-gnu/libpthreadpool.so.0)
