// SPDX-License-Identifier: GPL-2.0

//! The periodic hrtimer source (`rpoll,event-timer`), and the callback of
//! the same timer when a GPIO device uses it as its one-shot settle timer.
//!
//! The timer is forwarded from its previous expiry, never from "now", so a
//! late callback does not shift later events; periods skipped that way are
//! counted as overruns.

use kernel::{
    impl_has_hr_timer,
    sync::ArcBorrow,
    time::{
        hrtimer::{HrTimerCallback, HrTimerCallbackContext, HrTimerRestart, RelativeMode},
        Monotonic,
    },
};

use crate::{config::SourceKind, event_device::EventDevice, logic::uapi::RPOLL_SOURCE_TIMER};

impl_has_hr_timer! {
    impl HasHrTimer<Self> for EventDevice {
        mode: RelativeMode<Monotonic>,
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
        // Number of periods between the previous expiry and the next one in
        // the future: 1 when on time.
        let periods = ctx.forward_now(period);
        this.produce(RPOLL_SOURCE_TIMER, periods.saturating_sub(1));
        HrTimerRestart::Restart
    }
}
