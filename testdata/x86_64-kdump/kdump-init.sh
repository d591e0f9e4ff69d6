#!/bin/busybox sh
# /init of the crash kernel's initramfs: the crashed kernel's log, read from
# /proc/vmcore by kexec-tools' vmcore-dmesg, goes over COM2.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/sbin
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev
stty -F /dev/ttyS1 raw -echo 115200
echo "inputs-kdump: reading /proc/vmcore" > /dev/console
vmcore-dmesg /proc/vmcore > /dev/ttyS1
sleep 3
poweroff -f
