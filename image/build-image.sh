#!/usr/bin/env bash
# The PicoTalk Raspberry Pi image (arm64: Pi 3, 4, Zero 2 W; Pi 5 see README.md): Debian bookworm
# made by mmdebstrap, Debian's Raspberry Pi firmware and kernel, the ASP.NET Core runtime from
# Microsoft (version and SHA-512 pinned below), the picotalk-appliance .deb, avahi, SSH off and a
# first-boot step. `./build.sh image` runs it; image/README.md says what it needs.
#
#   image/build-image.sh [--deb FILE] [--dotnet-tarball FILE] [--out DIR]
#   image/build-image.sh assemble ROOTDIR IMAGE     (step 7 alone: a rootfs directory to a disk image)
#   image/build-image.sh fetch-dotnet               (step 3 alone: the runtime into the cache)
#
# Output: progress per step, then the image's path and its SHA-256.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")

# The ASP.NET Core runtime (it holds the .NET runtime too) for linux-arm64, from Microsoft's
# official download (the address dotnet-install.sh and the dotnet-docker images use). The hash is
# the "hash" of this file in https://builds.dotnet.microsoft.com/dotnet/release-metadata/10.0/releases.json;
# to update, change both lines together.
DOTNET_VERSION=10.0.9
DOTNET_SHA512=13377eca63d52a85b7e7126f0ad6b017ffbd520b6d95db0ba05eb6c152645ef4238f8a3744d2b04ac418d9856ee7db732be927aabde84871402c3548e1ffcee2
DOTNET_URL=${PICOTALK_DOTNET_URL:-https://builds.dotnet.microsoft.com/dotnet/aspnetcore/Runtime/$DOTNET_VERSION/aspnetcore-runtime-$DOTNET_VERSION-linux-arm64.tar.gz}

SUITE=bookworm
MIRROR=${PICOTALK_DEBIAN_MIRROR:-http://deb.debian.org/debian}
IMAGE_SIZE_MIB=2048   # grown to the card at first boot
FIRMWARE_MIB=256      # the FAT boot partition the Pi's boot ROM reads (raspi-firmware fills it)
FIRST_MIB=8           # where the first partition starts (the erase block of most SD cards)
# Debian's Raspberry Pi support (https://raspi.debian.net): raspi-firmware (non-free-firmware)
# puts the boot loader, the kernel and its device trees on the FAT partition; linux-image-arm64
# is Debian's kernel; firmware-brcm80211 the Wi-Fi; the rest is what the appliance uses.
PACKAGES=(
  raspi-firmware linux-image-arm64 firmware-brcm80211 wireless-regdb
  systemd-sysv systemd-timesyncd udev dbus kmod iproute2 ifupdown isc-dhcp-client wpasupplicant
  avahi-daemon libnss-mdns cloud-guest-utils e2fsprogs dosfstools parted
  alsa-utils ca-certificates openssh-server
  libstdc++6 zlib1g libopus0 libsodium23 libspeexdsp1 libasound2
)

CACHE=${PICOTALK_IMAGE_CACHE:-$REPO/.build/image}
STEPS=8
step() { printf '\033[1m==> [%s/%s] %s\033[0m\n' "$1" "$STEPS" "$2" >&2; }
die() { printf 'build-image.sh: %s\n' "$*" >&2; exit 1; }

# Step 3: the runtime tarball, in the cache, checked against the pinned SHA-512 (sha512sum(1)).
fetch_dotnet() {
  local given=${1:-}
  local tarball=$CACHE/aspnetcore-runtime-$DOTNET_VERSION-linux-arm64.tar.gz
  mkdir -p "$CACHE"
  if [[ -n $given ]]; then
    cp "$given" "$tarball.partial"
  elif [[ ! -f $tarball ]]; then
    if ! curl -fsSL --retry 2 --connect-timeout 20 -o "$tarball.partial" "$DOTNET_URL"; then
      rm -f "$tarball.partial"
      die "cannot download the ASP.NET Core runtime $DOTNET_VERSION (linux-arm64) from $DOTNET_URL.
This step needs the internet. On a machine with it, either run ./build.sh image there, or fetch
the file with a browser or curl and pass it: ./build.sh image --dotnet-tarball aspnetcore-runtime-$DOTNET_VERSION-linux-arm64.tar.gz
(its SHA-512 must be $DOTNET_SHA512)."
    fi
  else
    cp "$tarball" "$tarball.partial"
  fi
  if ! echo "$DOTNET_SHA512  $tarball.partial" | sha512sum -c --status; then
    rm -f "$tarball.partial"
    die "the ASP.NET Core runtime tarball does not have the pinned SHA-512 $DOTNET_SHA512: refusing it"
  fi
  mv "$tarball.partial" "$tarball"
  echo "$tarball"
}

# Step 7: a rootfs directory into an MBR disk image: the FAT partition from ROOTDIR/boot/firmware
# (mkfs.vfat(8), mcopy(1)), the ext4 root from the rest (mke2fs(8) -d, which copies owners, modes
# and links), each made as a file and written at its offset, so no loop device or mount is needed.
assemble() {
  local rootdir=$1 image=$2
  local total=$IMAGE_SIZE_MIB
  local root_start=$((FIRST_MIB + FIRMWARE_MIB)) root_mib=$((total - FIRST_MIB - FIRMWARE_MIB))
  local work; work=$(mktemp -d)
  # shellcheck disable=SC2064 # expand $work now
  trap "rm -rf '$work'" RETURN
  rm -f "$image"
  truncate -s "${total}M" "$image"
  # sfdisk(8): p1 FAT32 with LBA (0c), bootable, as the Pi's boot ROM wants; p2 Linux.
  sfdisk --quiet "$image" <<TABLE
label: dos
start=${FIRST_MIB}MiB, size=${FIRMWARE_MIB}MiB, type=c, bootable
start=${root_start}MiB, type=83
TABLE
  mkfs.vfat -F 32 -n PTFIRMWARE -C "$work/firmware.img" $((FIRMWARE_MIB * 1024)) >/dev/null
  if [[ -d $rootdir/boot/firmware ]] && [[ -n $(ls -A "$rootdir/boot/firmware") ]]; then
    mcopy -s -p -i "$work/firmware.img" "$rootdir/boot/firmware/"* ::/
  fi
  # The root file system without the FAT partition's files (they are mounted over it at boot).
  mkdir -p "$work/root"
  tar -C "$rootdir" --exclude=./boot/firmware/* -cf - . | tar -C "$work/root" -xf -
  mke2fs -q -t ext4 -L picotalk-root -d "$work/root" "$work/root.img" "${root_mib}M"
  dd if="$work/firmware.img" of="$image" bs=1M seek="$FIRST_MIB" conv=notrunc,sparse status=none
  dd if="$work/root.img" of="$image" bs=1M seek="$root_start" conv=notrunc,sparse status=none
}

main() {
  local deb="" dotnet_tarball="" out=$REPO/.build/image
  while (($#)); do
    case $1 in
      --deb) deb=$2; shift 2 ;;
      --dotnet-tarball) dotnet_tarball=$2; shift 2 ;;
      --out) out=$2; shift 2 ;;
      *) die "unknown argument $1 (see the top of $0)" ;;
    esac
  done

  step 1 "tools (mmdebstrap, arm64 emulation, sfdisk, dosfstools, mtools, e2fsprogs)"
  local tool
  for tool in mmdebstrap sfdisk mkfs.vfat mcopy mke2fs curl sha512sum arch-test; do
    command -v "$tool" >/dev/null || die "$tool is missing: apt-get install mmdebstrap fdisk dosfstools mtools e2fsprogs curl arch-test qemu-user-static binfmt-support"
  done

  step 2 "the arm64 package"
  if [[ -z $deb ]]; then
    local version; version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$REPO/Directory.Build.props" | head -n1)
    deb=$REPO/.build/deb/picotalk-appliance_${version}_arm64.deb
  fi
  [[ -f $deb ]] || die "no $deb: run ./build.sh deb arm64 first (or pass --deb FILE)"
  [[ $(dpkg-deb -f "$deb" Architecture) == arm64 ]] || die "$deb is not an arm64 package"
  echo "$deb" >&2

  step 3 "the ASP.NET Core runtime $DOTNET_VERSION for linux-arm64 (SHA-512 pinned)"
  local tarball; tarball=$(fetch_dotnet "$dotnet_tarball")

  step 4 "Debian $SUITE arm64 root file system (mmdebstrap)"
  # Running arm64 maintainer scripts here needs qemu-user through binfmt_misc (arch-test(1)).
  arch-test arm64 >/dev/null || die "this machine cannot run arm64 programs: apt-get install qemu-user-static binfmt-support (binfmt_misc must be usable; in a container it often is not), or build on an arm64 machine such as a Raspberry Pi 4 or 5"
  local rootdir; rootdir=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$rootdir'" EXIT
  # Hooks (mmdebstrap(1)): setup writes the files raspi-firmware and the kernel's hooks read
  # before they run; customize installs the runtime, then the .deb, then the first-boot unit.
  mmdebstrap --architectures=arm64 --variant=minbase --components="main contrib non-free-firmware" \
    --include="$(IFS=,; echo "${PACKAGES[*]}")" \
    --setup-hook='mkdir -p "$1/boot/firmware" "$1/etc/default"' \
    --setup-hook='echo "ROOTPART=LABEL=picotalk-root" >"$1/etc/default/raspi-firmware"' \
    --setup-hook='printf "LABEL=picotalk-root / ext4 rw,noatime 0 1\nLABEL=PTFIRMWARE /boot/firmware vfat rw,noatime 0 2\n" >"$1/etc/fstab"' \
    --customize-hook="mkdir -p \"\$1/usr/lib/dotnet\" && tar -C \"\$1/usr/lib/dotnet\" -xzf '$tarball' && ln -sf ../lib/dotnet/dotnet \"\$1/usr/bin/dotnet\"" \
    --customize-hook="copy-in '$deb' /tmp" \
    --customize-hook="chroot \"\$1\" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/$(basename "$deb") && rm -f \"\$1/tmp/$(basename "$deb")\"" \
    --customize-hook="install -D -m 0755 '$HERE/firstboot.sh' \"\$1/usr/lib/picotalk-image/firstboot.sh\" && install -m 0644 '$HERE/picotalk-firstboot.service' \"\$1/etc/systemd/system/\" && chroot \"\$1\" systemctl enable picotalk-firstboot.service && touch \"\$1/etc/picotalk-firstboot\"" \
    --customize-hook='chroot "$1" systemctl disable ssh.service; chroot "$1" systemctl enable avahi-daemon.service systemd-timesyncd.service' \
    --customize-hook='printf "auto eth0\nallow-hotplug eth0\niface eth0 inet dhcp\n" >"$1/etc/network/interfaces.d/eth0"' \
    --customize-hook='echo picotalk >"$1/etc/hostname"; printf "127.0.0.1\tlocalhost\n127.0.1.1\tpicotalk\n" >"$1/etc/hosts"' \
    --customize-hook=': >"$1/etc/machine-id"; rm -f "$1/var/lib/dbus/machine-id"' \
    "$SUITE" "$rootdir" "$MIRROR"

  step 5 "first boot: grow the root file system, picotalk-XXXX, SSH off unless /boot/firmware/ssh"
  [[ -f $rootdir/etc/picotalk-firstboot && -L $rootdir/etc/systemd/system/multi-user.target.wants/picotalk-firstboot.service ]] \
    || die "the first-boot unit is not enabled in the root file system"
  [[ ! -e $rootdir/etc/systemd/system/multi-user.target.wants/ssh.service ]] || die "SSH is enabled in the root file system"

  step 6 "the firmware partition (config.txt, cmdline.txt, kernel, device trees)"
  [[ -f $rootdir/boot/firmware/config.txt && -f $rootdir/boot/firmware/cmdline.txt ]] \
    || die "raspi-firmware left no config.txt or cmdline.txt in /boot/firmware"

  step 7 "disk image (${IMAGE_SIZE_MIB} MiB: FAT ${FIRMWARE_MIB} MiB + ext4)"
  mkdir -p "$out"
  local version; version=$(dpkg-deb -f "$deb" Version)
  local image=$out/picotalk-appliance_${version}_arm64.img
  assemble "$rootdir" "$image"

  step 8 "checksum"
  (cd "$out" && sha256sum "$(basename "$image")" >"$(basename "$image").sha256")
  echo "image:  $image"
  echo "sha256: $(cut -d' ' -f1 "$image.sha256")"
}

case ${1:-} in
  assemble) shift; [[ $# -eq 2 ]] || die "usage: $0 assemble ROOTDIR IMAGE"; assemble "$1" "$2" ;;
  fetch-dotnet) shift; fetch_dotnet "${1:-}" ;;
  *) main "$@" ;;
esac
