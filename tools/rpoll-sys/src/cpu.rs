//! Where threads run: CPU affinity, CPU hotplug, scheduling policy, and what
//! the kernel says about CPUs and itself.

use crate::Errno;

/// Restricts the calling thread (and threads it creates later) to the CPUs
/// of `cpus` (numbers at or above `CPU_SETSIZE` are ignored).
pub fn run_on(cpus: impl IntoIterator<Item = usize>) -> Result<(), Errno> {
    // SAFETY: `cpu_set_t` is plain data; all zeroes is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for cpu in cpus.into_iter().filter(|&c| c < libc::CPU_SETSIZE as usize) {
        // SAFETY: `set` is a valid `cpu_set_t` and `cpu` is below
        // `CPU_SETSIZE`, so the bit written is inside it.
        unsafe { libc::CPU_SET(cpu, &mut set) };
    }
    // SAFETY: `set` is a valid `cpu_set_t` of the size passed; 0 = this thread.
    Errno::check(unsafe { libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set) })?;
    Ok(())
}

/// Takes CPU `cpu` offline or brings it back (CPU hotplug through sysfs).
pub fn set_cpu_online(cpu: usize, online: bool) -> std::io::Result<()> {
    let path = format!("/sys/devices/system/cpu/cpu{cpu}/online");
    std::fs::write(&path, if online { "1" } else { "0" })
        .map_err(|e| std::io::Error::new(e.kind(), format!("{path}: {e}")))
}

/// Moves the calling thread to the `SCHED_IDLE` policy (runs only when
/// nothing else wants the CPU).
pub fn set_sched_idle() -> Result<(), Errno> {
    // SAFETY: `sched_param` is plain data; all zeroes is priority 0, the
    // only priority SCHED_IDLE takes.
    let param: libc::sched_param = unsafe { std::mem::zeroed() };
    // musl's sched_setscheduler() is a stub returning ENOSYS (the system
    // call is per thread, not per process as POSIX says): call it directly.
    // SAFETY: `param` is a valid sched_param for the duration of the call;
    // pid 0 is the calling thread.
    let r = unsafe {
        libc::syscall(
            libc::SYS_sched_setscheduler,
            0,
            libc::SCHED_IDLE,
            &param as *const libc::sched_param,
        )
    };
    Errno::check(r as libc::c_int)?;
    Ok(())
}

/// `uname -r`.
pub fn kernel_release() -> String {
    // SAFETY: utsname is plain old data; all-zero is a valid value.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid, writable utsname.
    if unsafe { libc::uname(&mut u) } != 0 {
        return String::from("?");
    }
    let bytes: Vec<u8> = u
        .release
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c.to_ne_bytes()[0])
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `sysconf(_SC_CLK_TCK)`: the unit of `/proc/stat` (100 if unknown).
pub fn clk_tck() -> u64 {
    // SAFETY: sysconf has no memory effects.
    let v = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if v > 0 {
        v as u64
    } else {
        100
    }
}

/// Number of online CPUs (1 if unknown).
pub fn online_cpus() -> u64 {
    // SAFETY: sysconf has no memory effects.
    let v = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    if v > 0 {
        v as u64
    } else {
        1
    }
}
