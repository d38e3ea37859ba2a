//! Watches two rpoll devices at once on a tokio runtime with
//! `rpoll::EventStream` (feature `tokio`):
//! `cargo run --example tokio_watch --features tokio -- tick button`.

use rpoll::EventStream;
use tokio_stream::StreamExt;

async fn watch(name: String) -> std::io::Result<()> {
    let mut stream = EventStream::open(&name)?;
    while let Some(ev) = stream.next().await {
        let ev = ev?;
        println!(
            "{name}: seq {} at {} ns, lost {}",
            ev.seq, ev.timestamp_ns, ev.lost
        );
    }
    println!("{name}: device gone");
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let mut names = std::env::args().skip(1);
    let (a, b) = match (names.next(), names.next()) {
        (Some(a), Some(b)) => (a, b),
        _ => {
            eprintln!("usage: tokio_watch DEV DEV");
            std::process::exit(2);
        }
    };
    let (ra, rb) = tokio::join!(watch(a), watch(b));
    ra.and(rb)
}
