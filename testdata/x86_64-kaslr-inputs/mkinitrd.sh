#!/bin/sh
# usage: mkinitrd.sh DEBROOT OUT.cpio.gz  (DEBROOT: extracted linux-image-6.1.0-56-amd64)
set -e
D=$1; OUT=$2; R=$(mktemp -d)
for d in bin proc sys dev tmp run etc var/log usr/bin usr/lib/systemd; do mkdir -p "$R/$d"; done
cp /bin/busybox "$R/bin/busybox"
K=$D/lib/modules/6.1.0-56-amd64/kernel
cp $K/lib/reed_solomon/reed_solomon.ko $K/fs/pstore/ramoops.ko "$R/"
cp /work/shared/fixtures/common/oopsdemo.ko /work/shared/fixtures/common/oopsdemo_uaf.ko "$R/"
cp /usr/lib/systemd/systemd-journald "$R/usr/lib/systemd/"
cp /usr/bin/journalctl "$R/usr/bin/"
for lib in $(ldd /usr/lib/systemd/systemd-journald /usr/bin/journalctl | awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u); do
	mkdir -p "$R$(dirname $lib)"; cp -L "$lib" "$R$lib"
done
cp "$(dirname "$0")/init.sh" "$R/init"; chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -9) > "$OUT"
rm -rf "$R"
