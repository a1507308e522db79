#!/bin/sh
# First boot of a PicoTalk Raspberry Pi image (picotalk-firstboot.service). Each step can be run
# alone (`firstboot.sh hostname`), and every path is under $PICOTALK_ROOT (empty on the
# appliance), so tests run the steps that need no Raspberry Pi on a directory.
set -eu
ROOT=${PICOTALK_ROOT:-}

say() { echo "picotalk-firstboot: $*"; }

# The root partition (the card's last) grows to the end of the card: growpart(1) moves the
# partition's end in the MBR, resize2fs(8) grows the mounted ext4 on line.
grow_root() {
  source=$(findmnt -n -o SOURCE /)
  disk=/dev/$(lsblk -n -o PKNAME "$source")
  part=$(cat "/sys/class/block/$(basename "$source")/partition")
  if growpart "$disk" "$part"; then
    resize2fs "$source"
    say "root file system grown to the end of $disk"
  else
    say "root partition already fills $disk"
  fi
}

# picotalk-XXXX: the last four hex digits of the board's serial number (device tree, as the Pi's
# firmware fills it in), else of /etc/machine-id (made on this first boot: the image ships it
# empty, machine-id(5)), so two appliances on one LAN get different .local names.
appliance_name() {
  serial=""
  if [ -r "$ROOT/proc/device-tree/serial-number" ]; then
    serial=$(tr -d '\0' <"$ROOT/proc/device-tree/serial-number")
  fi
  case $serial in
    *[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]) ;;
    *) serial=$(cat "$ROOT/etc/machine-id") ;;
  esac
  suffix=$(printf '%s' "$serial" | tr -cd '0-9a-fA-F' | tr 'A-F' 'a-f' | tail -c 4)
  [ ${#suffix} -eq 4 ] || { say "no serial number or machine id to name the appliance from" >&2; return 1; }
  echo "picotalk-$suffix"
}

set_hostname() {
  name=$(appliance_name)
  echo "$name" >"$ROOT/etc/hostname"
  # hosts(5): the name resolves locally even before avahi announces it.
  sed -i "s/^127\.0\.1\.1\s.*/127.0.1.1\t$name/" "$ROOT/etc/hosts"
  grep -q '^127\.0\.1\.1' "$ROOT/etc/hosts" || printf '127.0.1.1\t%s\n' "$name" >>"$ROOT/etc/hosts"
  # The shipped default name becomes the host name, so a callee sees which appliance rings;
  # a config someone already changed keeps its name.
  config="$ROOT/var/lib/picotalkd/config.json"
  if [ -f "$config" ]; then
    sed -i "s/\"name\": \"PicoTalk\"/\"name\": \"$name\"/" "$config"
  fi
  if [ -z "$ROOT" ]; then
    hostname "$name"
  fi
  say "this appliance is $name (http://$name.local:8080/)"
}

# SSH is off unless a file named "ssh" was put on the boot partition (as Raspberry Pi OS does).
maybe_ssh() {
  if [ -e "$ROOT/boot/firmware/ssh" ] || [ -e "$ROOT/boot/firmware/ssh.txt" ]; then
    rm -f "$ROOT/boot/firmware/ssh" "$ROOT/boot/firmware/ssh.txt"
    if [ -z "$ROOT" ]; then
      systemctl enable --now ssh.service
    else
      ln -sf /lib/systemd/system/ssh.service "$ROOT/etc/systemd/system/multi-user.target.wants/ssh.service"
    fi
    say "SSH turned on (a file named ssh was on the boot partition)"
  else
    say "SSH stays off"
  fi
}

case ${1:-all} in
  grow) grow_root ;;
  name) appliance_name ;;
  hostname) set_hostname ;;
  ssh) maybe_ssh ;;
  all)
    grow_root
    set_hostname
    maybe_ssh
    rm -f "$ROOT/etc/picotalk-firstboot"
    ;;
  *) echo "usage: firstboot.sh [grow|name|hostname|ssh|all]" >&2; exit 2 ;;
esac
