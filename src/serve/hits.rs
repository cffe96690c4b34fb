// Page hits are written in batches by one task, so that recording a scan never waits on the
// database: a request only puts the hit on a channel. Under load the channel fills and one
// transaction takes everything waiting; `flush` waits until everything sent so far is stored,
// and closing the channel (at shutdown) drains it.

use tokio::sync::{mpsc, oneshot};

use crate::store::{PageHit, Store};

enum Msg {
    Hit(PageHit),
    Flush(oneshot::Sender<()>),
}

/// The sending side, cloned into every request handler.
#[derive(Clone)]
pub struct Hits {
    tx: mpsc::Sender<Msg>,
}

/// Capacity of the queue; beyond it a hit is dropped and logged (the server stays fast).
const QUEUE: usize = 100_000;
const BATCH: usize = 5_000;

impl Hits {
    /// Start the writer task. The returned handle ends once every `Hits` is dropped and the
    /// queue is written.
    pub fn start(store: Store) -> (Hits, tokio::task::JoinHandle<()>) {
        let (tx, mut rx) = mpsc::channel::<Msg>(QUEUE);
        let task = tokio::spawn(async move {
            let mut msgs = Vec::with_capacity(BATCH);
            let mut hits = Vec::with_capacity(BATCH);
            while rx.recv_many(&mut msgs, BATCH).await > 0 {
                let mut acks = Vec::new();
                for m in msgs.drain(..) {
                    match m {
                        Msg::Hit(h) => hits.push(h),
                        Msg::Flush(ack) => acks.push(ack),
                    }
                }
                if let Err(e) = store.record_hits(&hits).await {
                    // Retry once (a busy SQLite file); then give up on this batch, loudly.
                    if let Err(e2) = store.record_hits(&hits).await {
                        eprintln!("vitrine: could not record {} page hits: {e}; {e2}", hits.len());
                    }
                }
                hits.clear();
                for a in acks {
                    let _ = a.send(());
                }
            }
        });
        (Hits { tx }, task)
    }

    /// Queue one hit; never waits.
    pub fn record(&self, hit: PageHit) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.tx.try_send(Msg::Hit(hit)) {
            eprintln!("vitrine: page-hit queue full, one hit dropped");
        }
    }

    /// Wait until every hit queued before this call is stored.
    pub async fn flush(&self) {
        let (ack, done) = oneshot::channel();
        if self.tx.send(Msg::Flush(ack)).await.is_ok() {
            let _ = done.await;
        }
    }
}
