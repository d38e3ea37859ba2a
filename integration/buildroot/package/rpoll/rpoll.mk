################################################################################
#
# rpoll
#
################################################################################

# This external tree lives inside the rpoll repository: build from it.
RPOLL_VERSION = local
RPOLL_SITE = $(BR2_EXTERNAL_RPOLL_PATH)/../..
RPOLL_SITE_METHOD = local
RPOLL_LICENSE = GPL-2.0
RPOLL_LICENSE_FILES = src/rpoll_main.rs

# Only the repository's top-level Kbuild is used (pkg-kernel-module.mk runs
# the kernel's Makefile with M=). A kernel built with LLVM needs the same
# for the module's C helper object: set RPOLL_LLVM, e.g. "1" or "-19".
RPOLL_LLVM ?=
RPOLL_MODULE_MAKE_OPTS = $(if $(RPOLL_LLVM),LLVM=$(RPOLL_LLVM))

# Read and poll without root: /dev/rpoll-* to the group "rpoll" (udev
# rule, sysusers snippet; with mdev, the line of /usr/share/rpoll/mdev.conf
# appended to /etc/mdev.conf). Device-wide changes still need root.
define RPOLL_USERS
	- - rpoll -1 - - - - rpoll device access
endef

define RPOLL_INSTALL_ACCESS_RULES
	$(MAKE) -C $(@D) DESTDIR=$(TARGET_DIR) rules_install
	$(if $(BR2_ROOTFS_DEVICE_CREATION_DYNAMIC_MDEV),\
		grep -qF 'rpoll-' $(TARGET_DIR)/etc/mdev.conf 2>/dev/null || \
		cat $(@D)/integration/mdev/rpoll.mdev.conf >> $(TARGET_DIR)/etc/mdev.conf)
endef
RPOLL_POST_INSTALL_TARGET_HOOKS += RPOLL_INSTALL_ACCESS_RULES

$(eval $(kernel-module))
$(eval $(generic-package))
