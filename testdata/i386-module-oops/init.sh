#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
stty -F /dev/ttyS1 raw -echo 115200; exec 3>/dev/ttyS1
say() { echo "oopsdemo-init: $*" > /dev/console; }
say "start: $(uname -a)"
insmod /oopsdemo.ko
insmod /oopsdemo_uaf.ko
sleep 1
{ echo "=== BEGIN kallsyms ==="; cat /proc/kallsyms; echo "=== END kallsyms ==="; cat /proc/modules; echo "=== END modules ==="; cat /proc/version; } >&3
sleep 3
say "dump written"
say "trigger warn"; (echo warn > /proc/oopsdemo); sleep 1
say "trigger oops"; (echo oops > /proc/oopsdemo); sleep 1
say "rmmod oopsdemo_uaf"; rmmod oopsdemo_uaf; sleep 4
say "trigger sysrq-c"
echo c > /proc/sysrq-trigger
sleep 5
poweroff -f
