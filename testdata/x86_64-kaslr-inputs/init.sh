#!/bin/busybox sh
# /init of the initramfs that captured testdata/x86_64-kaslr-inputs (busybox-static,
# plus systemd-journald and journalctl with their libraries copied from Debian 12).
# First boot: journald runs, oopsdemo oopses, /dev/kmsg and journalctl outputs are
# dumped over COM2, then sysrq-c panics and ramoops keeps the dumps; panic=1 reboots
# (QEMU keeps the RAM). Second boot: /sys/fs/pstore is dumped over COM2, power off.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
mount -t cgroup2 none /sys/fs/cgroup
stty -F /dev/ttyS1 raw -echo 115200; exec 3>/dev/ttyS1
say() { echo "inputs-init: $*" > /dev/console; }
say "start: $(uname -a)"
insmod /reed_solomon.ko
insmod /ramoops.ko mem_address=0x20000000 mem_size=0x100000 record_size=0x1000
mountpoint -q /sys/fs/pstore || mount -t pstore pstore /sys/fs/pstore
if ls /sys/fs/pstore/dmesg-* >/dev/null 2>&1; then
	say "second boot: pstore has $(ls /sys/fs/pstore | wc -l) files"
	{
	for f in /sys/fs/pstore/*; do
		echo "=== BEGIN pstore ${f##*/} $(stat -c %Y $f) ==="; base64 $f; echo "=== END pstore ==="
	done
	echo "=== BEGIN pstore-ls ==="; ls -l --full-time /sys/fs/pstore; echo "=== END pstore-ls ==="
	echo "=== BEGIN boot2-kmsg ==="; timeout 2 cat /dev/kmsg; echo "=== END boot2-kmsg ==="
	} >&3
	sleep 3
	say "poweroff"
	poweroff -f
fi
echo 0123456789abcdef0123456789abcdef > /etc/machine-id
/usr/lib/systemd/systemd-journald &
sleep 3
insmod /oopsdemo.ko
insmod /oopsdemo_uaf.ko
sleep 1
{ echo "=== BEGIN kallsyms ==="; cat /proc/kallsyms; echo "=== END kallsyms ==="
  echo "=== BEGIN modules ==="; cat /proc/modules; echo "=== END modules ==="
  echo "=== BEGIN version ==="; cat /proc/version; uname -r; cat /proc/cmdline; echo "=== END version ==="; } >&3
sleep 2
say "trigger warn"; (echo warn > /proc/oopsdemo); sleep 1
say "trigger oops"; (echo oops > /proc/oopsdemo); sleep 1
say "trigger nullcall"; (echo nullcall > /proc/oopsdemo); sleep 1
say "rmmod oopsdemo_uaf (its kthread keeps running in freed text)"
rmmod oopsdemo_uaf; sleep 4
{ echo "=== BEGIN kmsg ==="; timeout 3 cat /dev/kmsg; echo "=== END kmsg ==="
  for o in json short short-precise short-iso short-iso-precise short-full short-monotonic short-unix short-delta; do
	echo "=== BEGIN journal $o ==="; SYSTEMD_COLORS=0 journalctl -k -o $o --no-pager | cat; echo "=== END journal $o ==="
  done
  echo "=== BEGIN journal all-json ==="; SYSTEMD_COLORS=0 journalctl -o json --no-pager | cat; echo "=== END journal all-json ==="; } >&3
sleep 3
say "trigger sysrq-c"
echo c > /proc/sysrq-trigger
sleep 5
poweroff -f
