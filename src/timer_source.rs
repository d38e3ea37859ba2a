// SPDX-License-Identifier: GPL-2.0

//! The periodic hrtimer source (`rpoll,event-timer`), and the callback of
//! the same timer when a GPIO device uses it as its one-shot settle timer.
//!
//! The timer is forwarded from its previous expiry, never from "now", so a
//! late callback does not shift later events; periods skipped that way are
//! counted as overruns. Each event is stamped with the expiry it was due at
//! (as timerfd's expiry count refers to), not with the time the callback
//! happened to run. The timer is absolute, so that it can be restarted on
//! its reader's CPU at the same expiry
//! ([`EventDevice::follow_reader`](crate::event_device::EventDevice::follow_reader)).

use kernel::{
    cpu::CpuId,
    impl_has_hr_timer,
    sync::{atomic::ordering, ArcBorrow},
    time::{
        hrtimer::{AbsoluteMode, HrTimerCallback, HrTimerCallbackContext, HrTimerRestart},
        Monotonic,
    },
};

use crate::{clock, config::SourceKind, event_device::EventDevice};

impl_has_hr_timer! {
    impl HasHrTimer<Self> for EventDevice {
        mode: AbsoluteMode<Monotonic>,
        field: self.timer
    }
}

impl HrTimerCallback for EventDevice {
    type Pointer<'a> = kernel::sync::Arc<Self>;

    fn run(this: ArcBorrow<'_, Self>, mut ctx: HrTimerCallbackContext<'_, Self>) -> HrTimerRestart {
        if this.config.kind != SourceKind::Timer {
            // GPIO devices use the same timer, one-shot, to settle bursts.
            this.settled();
            return HrTimerRestart::NoRestart;
        }
        let period = this.period();
        let expiry = clock::instant_ns(this.timer.expires());
        let cpu = CpuId::current().as_u32();
        if this.timer_cpu.load(ordering::Relaxed) != cpu {
            this.timer_cpu.store(cpu, ordering::Relaxed);
        }
        // Number of periods between the previous expiry and the next one in
        // the future: 1 when on time.
        let periods = ctx.forward_now(period);
        this.produce_timer(expiry, periods.saturating_sub(1));
        HrTimerRestart::Restart
    }
}
