//! Non-blocking use of an rpoll device in an event loop (mio):
//! `mio_watch tick` prints each event of /dev/rpoll-tick as it arrives.

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use std::os::fd::AsRawFd;

fn main() -> std::io::Result<()> {
    let name = std::env::args().nth(1).unwrap_or_else(|| "tick".into());
    let dev = rpoll::Device::open_nonblocking(&name)?;
    let mut poll = Poll::new()?;
    poll.registry().register(
        &mut SourceFd(&dev.as_raw_fd()),
        Token(0),
        Interest::READABLE,
    )?;
    let mut events = Events::with_capacity(4);
    loop {
        poll.poll(&mut events, None)?;
        // mio is edge-triggered: drain everything queued on each wakeup.
        loop {
            let batch = dev.read_available(64)?;
            if batch.is_empty() {
                break;
            }
            for e in batch {
                println!("seq {} ts {} ns lost {}", e.seq, e.timestamp_ns, e.lost);
            }
        }
    }
}
