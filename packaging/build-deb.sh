#!/usr/bin/env bash
# Lays out picotalk-appliance's files as installed and builds the .deb with dpkg-deb (deb(5),
# deb-control(5)); called by `./build.sh deb` with what it published, and by the packaging tests
# to build a second version from the same files.
#
#   packaging/build-deb.sh --arch amd64|arm64 --version V --daemon FILE --ui DIR --out DIR
#
# Prints the path of the .deb it built.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")

arch= version= daemon= ui= out=
while (($#)); do
  case $1 in
    --arch) arch=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --daemon) daemon=$2; shift 2 ;;
    --ui) ui=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "build-deb.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for v in arch version daemon ui out; do
  [[ -n ${!v} ]] || { echo "build-deb.sh: --$v is required" >&2; exit 2; }
done
[[ -x $daemon ]] || { echo "build-deb.sh: no daemon at $daemon" >&2; exit 2; }
[[ -f $ui/picotalk.dll ]] || { echo "build-deb.sh: no picotalk.dll in $ui" >&2; exit 2; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
pkg=$stage/root
doc=$pkg/usr/share/doc/picotalk-appliance
umask 022

install -D -m 0755 "$daemon" "$pkg/usr/bin/picotalkd"
install -D -m 0755 "$HERE/picotalk.sh" "$pkg/usr/bin/picotalk"
# The framework-dependent client: assemblies and the runtime's .json files, no apphost (the
# wrapper runs it through /usr/bin/dotnet, so the directory is the same on amd64 and arm64).
install -d "$pkg/usr/lib/picotalk"
find "$ui" -maxdepth 1 -type f \( -name '*.dll' -o -name '*.json' \) -exec install -m 0644 -t "$pkg/usr/lib/picotalk" {} +
install -D -m 0644 "$REPO/systemd/picotalkd.service" "$pkg/usr/lib/systemd/system/picotalkd.service"
install -D -m 0644 "$REPO/systemd/picotalk-ui.service" "$pkg/usr/lib/systemd/system/picotalk-ui.service"
install -D -m 0644 "$REPO/systemd/picotalkd.sysusers" "$pkg/usr/lib/sysusers.d/picotalkd.conf"
install -D -m 0644 "$REPO/systemd/picotalk-ui.sysusers" "$pkg/usr/lib/sysusers.d/picotalk-ui.conf"
install -D -m 0644 "$HERE/picotalk-appliance.tmpfiles" "$pkg/usr/lib/tmpfiles.d/picotalk-appliance.conf"
install -D -m 0644 "$REPO/systemd/60-picotalkd-gpio.rules" "$pkg/usr/lib/udev/rules.d/60-picotalkd-gpio.rules"
install -D -m 0644 "$HERE/config.json" "$pkg/usr/share/picotalk-appliance/config.json"
install -D -m 0644 "$HERE/lintian-overrides" "$pkg/usr/share/lintian/overrides/picotalk-appliance"
install -D -m 0644 "$HERE/copyright" "$doc/copyright"
install -m 0644 "$REPO/README.md" "$doc/README.md"
if [[ -f $REPO/image/README.md ]]; then install -m 0644 "$REPO/image/README.md" "$doc/image.md"; fi
# A fixed date keeps the package reproducible from the same inputs (SOURCE_DATE_EPOCH overrides).
date=$(date -R -u -d "@${SOURCE_DATE_EPOCH:-1767225600}")
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$date/" "$HERE/changelog.in" | gzip -9n >"$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

# Shared libraries the daemon links (dpkg-shlibdeps(1) reads the symbols files of the installed
# libc); the libraries it opens at run time (opus, sodium, speexdsp, asound) are named in control.in.
shlibs="libc6"
if [[ $arch == "$(dpkg --print-architecture)" ]] && command -v dpkg-shlibdeps >/dev/null; then
  mkdir -p "$stage/debian"
  printf 'Source: picotalk-appliance\n\nPackage: picotalk-appliance\nArchitecture: any\n' >"$stage/debian/control"
  found=$(cd "$stage" && dpkg-shlibdeps -O "root/usr/bin/picotalkd" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
  [[ -n $found ]] && shlibs=$found
elif [[ $arch == arm64 ]] && command -v aarch64-linux-gnu-objdump >/dev/null; then
  # A cross build: the newest glibc symbol version the binary needs, as dpkg-shlibdeps would say.
  glibc=$(aarch64-linux-gnu-objdump -T "$pkg/usr/bin/picotalkd" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n1)
  [[ -n $glibc ]] && shlibs="libc6 (>= $glibc)"
fi

install -d -m 0755 "$pkg/DEBIAN"
for script in postinst prerm postrm; do
  install -m 0755 "$HERE/$script" "$pkg/DEBIAN/$script"
done
size=$(du -sk --apparent-size --exclude=DEBIAN "$pkg" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$size/" -e "s/@SHLIBS@/$shlibs/" \
  "$HERE/control.in" >"$pkg/DEBIAN/control"
(cd "$pkg" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$pkg/DEBIAN/md5sums"
chmod 0644 "$pkg/DEBIAN/control" "$pkg/DEBIAN/md5sums"

mkdir -p "$out"
deb="$out/picotalk-appliance_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
echo "$deb"
