SUMMARY = "rpoll: pollable event devices fed by timers, interrupts and GPIO lines"
DESCRIPTION = "A Rust platform driver: each rpoll node of the device tree \
becomes /dev/rpoll-<label>, read with read(), poll(), select() or epoll."
LICENSE = "GPL-2.0-only"
LIC_FILES_CHKSUM = "file://src/rpoll_main.rs;beginline=1;endline=1;md5=50d2ba0afecd20f74c12a4bdbcfcfe61"

# A Rust kernel module: needs a kernel built with CONFIG_RUST=y, which
# DISTRO_FEATURES "rust-kernel" provides (rust-native, KRUSTFLAGS).
inherit module features_check useradd
REQUIRED_DISTRO_FEATURES = "rust-kernel"

SRC_URI = "git://github.com/YOUR-ORG/rpoll.git;protocol=https;branch=main"
SRCREV = "${AUTOREV}"
PV = "0.1+git${SRCPV}"

# module.bbclass already passes KERNEL_SRC=${STAGING_KERNEL_DIR} and
# O=${STAGING_KERNEL_BUILDDIR}; rpoll's Makefile hands both to the kernel's
# own Makefile. A kernel built with LLVM/clang needs the same toolchain for
# the module's C helper object.
EXTRA_OEMAKE:append:toolchain-clang = " LLVM=1"

# The device tree's "rpoll,event-*" nodes load the module through its OF
# aliases (udev); list it here to load it at boot regardless.
# KERNEL_MODULE_AUTOLOAD += "rpoll"

RPROVIDES:${PN} += "kernel-module-rpoll"

# Read and poll without root: /dev/rpoll-* to the system group "rpoll"
# (udev rule and sysusers snippet from `make rules_install`); add users to
# the group with EXTRA_USERS_PARAMS or their own recipes' useradd.
USERADD_PACKAGES = "${PN}"
GROUPADD_PARAM:${PN} = "--system rpoll"
do_install:append() {
    oe_runmake DESTDIR=${D} rules_install
}
FILES:${PN} += "${nonarch_base_libdir}/udev/rules.d ${nonarch_libdir}/udev/rules.d \
    ${nonarch_libdir}/sysusers.d ${datadir}/rpoll"
