#!/bin/busybox sh
# /init of the initramfs that captured testdata/x86_64-kdump (busybox-static,
# kexec from Debian 12's kexec-tools). The crashed kernel: loads the same
# kernel as its crash kernel, with kdump-init.sh as the crash kernel's
# /init, then oopsdemo oopses and sysrq-c panics into the crash kernel.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "inputs-init: $*" > /dev/console; }
say "start: $(uname -a)"
kexec -p /vmlinuz --initrd=/kdump.cpio.gz --append="console=ttyS0,115200 irqpoll nr_cpus=1 reset_devices panic=-1" && say "crash kernel loaded"
insmod /oopsdemo.ko
sleep 1
say "trigger warn"; (echo warn > /proc/oopsdemo); sleep 1
say "trigger oops"; (echo oops > /proc/oopsdemo); sleep 1
say "trigger sysrq-c"
echo c > /proc/sysrq-trigger
sleep 5
poweroff -f
