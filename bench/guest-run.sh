#!/bin/sh
# Runs inside the benchmark guest (booted by bench/run as /usr/bin/bench-guest):
# loads cref.ko, evdev.ko and gpio_keys.ko next to the rpoll.ko that /init
# loaded (gpio-keys binds the DTB's bench-keys node), keeps the console quiet
# while measuring (so kernel messages cannot cut into the results), runs
# rpoll-bench with the given arguments, then prints the whole kernel log so
# that the runner's splat check sees every message.
if ! insmod /lib/modules/cref.ko; then
    echo "bench-guest: insmod cref.ko failed" >&2
    exit 1
fi
# The devices the asked parts use (bench/run passes --parts).
parts=$(echo " $* " | sed -n 's/.* --parts \([a-z,]*\) .*/\1/p' | tr , ' ')
[ -n "$parts" ] || parts="timer gpio"
devs=""
for p in $parts; do
    case $p in
        timer) devs="$devs /dev/rpoll-bench /dev/cref" ;;
        gpio)
            devs="$devs /dev/rpoll-bench-gpio"
            for m in evdev gpio_keys; do
                if ! insmod /lib/modules/$m.ko; then
                    echo "bench-guest: insmod $m.ko failed" >&2
                    exit 1
                fi
            done ;;
        lines) devs="$devs /dev/rpoll-bench-sim /dev/rpoll-bench-pl-poll /dev/rpoll-bench-poll-1ms" ;;
        sampling)
            # IIO's software device and trigger are made through configfs.
            grep -q configfs /proc/mounts || mount -t configfs none /sys/kernel/config
            [ -d /sys/kernel/config/iio ] || { echo "bench-guest: no IIO in configfs" >&2; exit 1; }
            devs="$devs /dev/rpoll-bench" ;;
    esac
done
for d in $devs; do
    [ -e "$d" ] || { echo "bench-guest: $d missing" >&2; dmesg; exit 1; }
done
dmesg -n 1
rpoll-bench "$@"
rc=$?
dmesg -n 7
# Where each module's code was loaded, for make insn-profile's symbols.
for m in rpoll cref; do
    t=/sys/module/$m/sections/.text
    [ -r "$t" ] && echo "bench-guest: module-text $m $(cat "$t")"
done
echo "bench-guest: kernel log follows"
dmesg
exit $rc
