#!/usr/bin/env bash
# PicoTalk Appliance build entry point. Everything a fresh Debian machine with the .NET SDK needs is
# installed from here, so nothing done by hand is ever load-bearing.
#
#   ./build.sh run [N]         run appliance N (default 1) with simulated hardware where there is none
#   ./build.sh picotalk [N] …  the command line client of appliance N (e.g. ./build.sh picotalk 2 status)
#   ./build.sh test            install what is missing, build, run every test project, print totals
#   ./build.sh bench [latency|call|dht|dht-sim|dht-loopback|rooms]  per-frame media costs and latency; call: CPU and memory of two daemons in a call, and of two baresip 1.0; dht: the 100,000-node DHT simulation and 1,000 nodes on loopback; rooms: the room server's CPU per member and members per core
#   ./build.sh publish         picotalkd compiled ahead of time (NativeAOT) into .build/publish, as the appliance runs it
#   ./build.sh deb [amd64|arm64] the Debian package .build/deb/picotalk-appliance_VERSION_ARCH.deb (VERSION: Directory.Build.props, or $PICOTALK_VERSION), checked by lintian
#   ./build.sh image           the arm64 Raspberry Pi image (image/build-image.sh; needs the arm64 .deb and the internet)
#   ./build.sh deps | build
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Runtime libraries of the appliance, and the tools its tests use to make speech.
RUNTIME_PACKAGES=(libopus0 libsodium23 libspeexdsp1 libasound2)
TEST_PACKAGES=(espeak-ng sox iproute2 nftables alsa-utils libasound2-plugins pulseaudio systemd gcc libc6-dev linux-libc-dev chromium)
# The packaging tests (tests/Packaging.Tests): build and check the .deb, make a Debian rootfs and
# boot it in a container (systemd-nspawn).
TEST_PACKAGES+=(dpkg-dev lintian mmdebstrap systemd-container curl util-linux fdisk dosfstools mtools e2fsprogs arch-test)
# The image recipe's tools; arm64 maintainer scripts run under qemu-user (binfmt_misc).
IMAGE_PACKAGES=(mmdebstrap fdisk dosfstools mtools e2fsprogs curl arch-test qemu-user-static binfmt-support)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root (or sudo) to run: $*" >&2; return 1; fi
}

# Installs the named Debian packages that are not installed yet; no network when all are present.
apt_ensure() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

cmd_deps() {
  command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required (https://dot.net)"; exit 2; }
  apt_ensure "${RUNTIME_PACKAGES[@]}" "$@"
}

cmd_build() {
  local config=${1:-Debug}
  log "building ($config)"
  dotnet build picotalk-appliance.sln -c "$config" -nologo -clp:ErrorsOnly -v:q
}

# The DHT interop tests run the npm package bittorrent-dht with node; Debian's nodejs and npm
# only when the machine has no node of its own (a NodeSource node brings its own npm).
node_ensure() {
  command -v node >/dev/null && command -v npm >/dev/null && return 0
  apt_ensure nodejs npm
}

cmd_test() {
  cmd_deps "${TEST_PACKAGES[@]}"
  node_ensure
  cmd_build Debug
  log "testing"
  local out; out=$(mktemp)
  local rc=0
  # Test projects run one after another: the integration tests time real calls, and two cores
  # shared with other test processes would make those timings noisy.
  dotnet test picotalk-appliance.sln --no-build -c Debug -nologo -m:1 "$@" 2>&1 | tee "$out" || rc=$?
  # Sum every project's "Failed: a, Passed: b, Skipped: c" summary into the one closing line.
  awk '
    /(Passed|Failed)! +- +Failed:/ {
      gsub(/,/, " ");
      for (i = 1; i <= NF; i++) {
        if ($i == "Failed:")  f += $(i+1);
        if ($i == "Passed:")  p += $(i+1);
        if ($i == "Skipped:") s += $(i+1);
      }
      n++;
    }
    END {
      line = sprintf("%d passed, %d failed", p, f);
      if (s > 0) line = line sprintf(", %d skipped", s);
      print line;
    }' "$out"
  rm -f "$out"
  return $rc
}

# Appliance N keeps its state in .state/N and listens on UDP 5003+N.
instance_dir() { echo "$ROOT/.state/${1:-1}"; }

cmd_run() {
  local n=1
  [[ ${1:-} =~ ^[0-9]+$ ]] && { n=$1; shift; }
  cmd_deps
  cmd_build Debug >/dev/null
  local state; state=$(instance_dir "$n")
  mkdir -p "$state"
  local port=$((5003 + n))
  local audio_in=sim audio_out=sim gpio=sim
  if [[ -e /dev/gpiochip0 ]]; then gpio=chip:/dev/gpiochip0; fi
  cat >&2 <<MSG

PicoTalk appliance $n: state in ${state#"$ROOT"/}, UDP port $port, audio $audio_in/$audio_out, GPIO $gpio.
From a second terminal:
  ./build.sh picotalk $n status                      # what appliance $n is doing
  ./build.sh run $((n + 1))                               # start a second appliance, then
  ./build.sh picotalk $((n + 1)) dial 127.0.0.1:$port        # call this one from it
  ./build.sh picotalk $n answer                      # answer here;  ... hangup to end
Stop with Ctrl-C.

MSG
  # LAN discovery on loopback only: development appliances on this machine find each other
  # without announcing themselves to the real LAN (the installed service uses every interface).
  exec dotnet "Service/bin/Debug/net10.0/picotalkd.dll" --state-dir "$state" --port "$port" \
    --control "$state/control.sock" --audio-in "$audio_in" --audio-out "$audio_out" --gpio "$gpio" \
    --lan-interfaces lo "$@"
}

cmd_picotalk() {
  local n=1
  [[ ${1:-} =~ ^[0-9]+$ ]] && { n=$1; shift; }
  [[ -f Ui/bin/Debug/net10.0/picotalk.dll ]] || cmd_build Debug >/dev/null
  # `./build.sh picotalk N ui`: appliance N's web page on port 8079+N, its state in .state/N/ui.
  if [[ ${1:-} == ui ]]; then
    shift
    mkdir -p "$(instance_dir "$n")/ui"
    exec dotnet "Ui/bin/Debug/net10.0/picotalk.dll" --control "$(instance_dir "$n")/control.sock" ui \
      --urls "http://0.0.0.0:$((8079 + n))" --state-dir "$(instance_dir "$n")/ui" "$@"
  fi
  exec dotnet "Ui/bin/Debug/net10.0/picotalk.dll" --control "$(instance_dir "$n")/control.sock" "$@"
}

# The .NET runtime identifier of this machine (linux-x64 on a PC, linux-arm64 on a Raspberry Pi).
runtime_id() {
  case $(uname -m) in
    x86_64) echo linux-x64 ;;
    aarch64 | arm64) echo linux-arm64 ;;
    *) echo "unsupported machine $(uname -m)" >&2; return 1 ;;
  esac
}

# picotalkd as the appliance ships it: NativeAOT, linked by Debian's gcc (Service.csproj).
cmd_publish() {
  cmd_deps gcc libc6-dev
  log "publishing picotalkd (NativeAOT, $(runtime_id))"
  local out; out=$(mktemp)
  dotnet publish Service/Service.csproj -c Release -r "$(runtime_id)" -o "$ROOT/.build/publish" -nologo -clp:ErrorsOnly -v:q >"$out" 2>&1 || { cat "$out"; rm -f "$out"; return 1; }
  rm -f "$out"
  echo "$ROOT/.build/publish/picotalkd"
}

# The Debian architecture's .NET runtime identifier.
deb_runtime_id() {
  case $1 in
    amd64) echo linux-x64 ;;
    arm64) echo linux-arm64 ;;
    *) echo "build.sh deb: unsupported architecture '$1' (amd64 or arm64)" >&2; return 2 ;;
  esac
}

# The version of every project and of the package: Directory.Build.props <Version>, the one place
# it is kept; $PICOTALK_VERSION overrides it (the packaging tests build two versions).
package_version() {
  if [[ -n ${PICOTALK_VERSION:-} ]]; then echo "$PICOTALK_VERSION"; return; fi
  sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n1
}

# picotalkd for another architecture: NativeAOT links with that architecture's gcc (Debian's
# cross compiler, whose sysroot is /usr/aarch64-linux-gnu) and needs the ILCompiler runtime pack
# of that architecture from NuGet. Says what is missing instead of failing deep in the linker.
cross_publish_args() {
  local arch=$1
  [[ $arch == "$(dpkg --print-architecture)" ]] && return 0
  [[ $arch == arm64 ]] || { echo "build.sh deb: no cross build to $arch from $(dpkg --print-architecture)" >&2; return 2; }
  apt_ensure gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross || {
    echo "build.sh deb arm64: cannot install Debian's arm64 cross compiler (gcc-aarch64-linux-gnu); build on a Raspberry Pi instead (image/README.md)" >&2
    return 2
  }
  echo "-p:CppCompilerAndLinker=$ROOT/packaging/aarch64-gcc.sh -p:ObjCopyName=aarch64-linux-gnu-objcopy"
}

cmd_deb() {
  local arch=${1:-$(dpkg --print-architecture)}
  local rid; rid=$(deb_runtime_id "$arch")
  cmd_deps gcc libc6-dev dpkg-dev lintian
  local version; version=$(package_version)
  [[ $version =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || { echo "build.sh deb: '$version' is not a Debian version" >&2; return 2; }
  local cross; cross=$(cross_publish_args "$arch")
  local out; out=$(mktemp)
  log "[1/4] picotalkd $version, NativeAOT for $rid"
  # shellcheck disable=SC2086 # $cross is a list of msbuild properties
  if ! dotnet publish Service/Service.csproj -c Release -r "$rid" -p:Version="$version" $cross \
      -o "$ROOT/.build/publish-$rid" -nologo -clp:ErrorsOnly -v:q >"$out" 2>&1; then
    cat "$out"; rm -f "$out"
    if [[ $arch != "$(dpkg --print-architecture)" ]]; then
      echo "build.sh deb $arch: the NativeAOT cross build failed (above). It needs the NuGet package runtime.$rid.Microsoft.DotNet.ILCompiler and Debian's gcc-aarch64-linux-gnu with an arm64 sysroot; or run './build.sh deb' on a Raspberry Pi (image/README.md)." >&2
    fi
    return 1
  fi
  log "[2/4] picotalk (client and web page, framework-dependent)"
  if ! dotnet publish Ui/Ui.csproj -c Release -p:UseAppHost=false -p:Version="$version" \
      -o "$ROOT/.build/ui-publish" -nologo -clp:ErrorsOnly -v:q >"$out" 2>&1; then
    cat "$out"; rm -f "$out"; return 1
  fi
  rm -f "$out"
  log "[3/4] dpkg-deb"
  local deb; deb=$(packaging/build-deb.sh --arch "$arch" --version "$version" \
    --daemon "$ROOT/.build/publish-$rid/picotalkd" --ui "$ROOT/.build/ui-publish" --out "$ROOT/.build/deb")
  log "[4/4] lintian"
  # Errors fail the build; warnings are printed for the reader (packaging/README.md lists them).
  lintian --fail-on error "$deb" >&2
  echo "$deb"
}

cmd_image() {
  cmd_deps "${IMAGE_PACKAGES[@]}"
  exec image/build-image.sh "$@"
}

cmd_bench() {
  cmd_deps "${TEST_PACKAGES[@]}"
  # The call benchmark measures the daemon the appliance runs, compiled ahead of time, beside
  # baresip 1.0 (Debian's baresip-core: the reference of issue 4) measured on this machine.
  if [[ ${1:-} == call ]]; then
    apt_ensure baresip-core
    export PICOTALK_DAEMON; PICOTALK_DAEMON=$(cmd_publish)
  fi
  log "building benchmarks (Release)"
  local out; out=$(mktemp)
  dotnet build tests/Bench/Bench.csproj -c Release -nologo -clp:ErrorsOnly -v:q >"$out" 2>&1 || { cat "$out"; rm -f "$out"; return 1; }
  rm -f "$out"
  dotnet "tests/Bench/bin/Release/net10.0/PicoTalk.Bench.dll" "$@"
}

case "${1:-help}" in
  deps) shift; cmd_deps "$@" ;;
  build) shift; cmd_deps; cmd_build "${1:-Debug}" ;;
  test) shift; cmd_test "$@" ;;
  run) shift; cmd_run "$@" ;;
  picotalk) shift; cmd_picotalk "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  publish) shift; cmd_deps; cmd_publish ;;
  deb) shift; cmd_deb "$@" ;;
  image) shift; cmd_image "$@" ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
