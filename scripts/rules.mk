# `make rules_install [DESTDIR=<root>]`: the device-access files, with or
# without a kernel tree (Yocto's and Buildroot's install steps call it):
# the udev rule, the systemd-sysusers snippet that creates the "rpoll"
# group, and the busybox mdev line (to be added to /etc/mdev.conf).
RULES_DIR := $(dir $(lastword $(MAKEFILE_LIST)))../integration

.PHONY: rules_install
rules_install:
	install -D -m 0644 $(RULES_DIR)/udev/60-rpoll.rules $(DESTDIR)/usr/lib/udev/rules.d/60-rpoll.rules
	install -D -m 0644 $(RULES_DIR)/udev/rpoll.sysusers.conf $(DESTDIR)/usr/lib/sysusers.d/rpoll.conf
	install -D -m 0644 $(RULES_DIR)/mdev/rpoll.mdev.conf $(DESTDIR)/usr/share/rpoll/mdev.conf
