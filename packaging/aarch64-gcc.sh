#!/bin/sh
# The NativeAOT linker driver for a cross build to arm64 (`./build.sh deb arm64` on an amd64
# machine): the ILCompiler targets pass clang's --target=aarch64-linux-gnu, which Debian's
# aarch64-linux-gnu-gcc (already that target, sysroot /usr/aarch64-linux-gnu) does not accept.
for arg in "$@"; do
  shift
  case $arg in --target=*) ;; *) set -- "$@" "$arg" ;; esac
done
exec aarch64-linux-gnu-gcc "$@"
