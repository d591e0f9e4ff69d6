#!/bin/busybox sh
# /init of the initramfs that captured testdata/x86_64-kaslr-inputs/pstore-efi
# (busybox-static). Booted by OVMF with a writable variable store. First
# boot: efi-pstore registers, oopsdemo oopses, sysrq-c panics; the kernel
# writes both dumps into EFI variables, in parts; panic=1 reboots. Second
# boot: /sys/fs/pstore is dumped over COM2, power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
stty -F /dev/ttyS1 raw -echo 115200; exec 3>/dev/ttyS1
say() { echo "inputs-init: $*" > /dev/console; }
say "start: $(uname -a)"
insmod /efi-pstore.ko
mount -t pstore pstore /sys/fs/pstore
if ls /sys/fs/pstore/dmesg-* >/dev/null 2>&1; then
	say "second boot: pstore has $(ls /sys/fs/pstore | wc -l) files"
	{
	for f in /sys/fs/pstore/*; do
		echo "=== BEGIN pstore ${f##*/} $(stat -c %Y $f) ==="; base64 $f; echo "=== END pstore ==="
	done
	echo "=== BEGIN pstore-ls ==="; ls -l --full-time /sys/fs/pstore; echo "=== END pstore-ls ==="
	} >&3
	sleep 3
	say "poweroff"
	poweroff -f
fi
insmod /oopsdemo.ko
sleep 1
{ echo "=== BEGIN kallsyms ==="; cat /proc/kallsyms; echo "=== END kallsyms ==="
  echo "=== BEGIN modules ==="; cat /proc/modules; echo "=== END modules ==="; } >&3
sleep 2
say "trigger warn"; (echo warn > /proc/oopsdemo); sleep 1
say "trigger oops"; (echo oops > /proc/oopsdemo); sleep 1
say "trigger sysrq-c"
echo c > /proc/sysrq-trigger
sleep 5
poweroff -f
