//! Whether the database is known to be down. A request that finds it unreachable waits the
//! pool's whole acquire timeout (10 s) before failing; once one has, the next ones are answered
//! 503 at once, and a background probe (one connection, every second) says when it is back.
//! SQLite, a file, is never marked down.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{Pool, Storage};

/// How often the probe tries while the database is down.
const PROBE_EVERY: Duration = Duration::from_secs(1);
/// A probe that takes longer has failed.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Default)]
pub(super) struct Health {
    down: AtomicBool,
    probing: AtomicBool,
}

impl Storage {
    /// True while the database is known to be unreachable: answer 503 without asking it.
    pub fn database_down(&self) -> bool {
        self.health.down.load(Ordering::Acquire)
    }

    /// A request found the database unreachable: later ones fail fast until the probe finds
    /// it back. Needs a Tokio runtime (the probe is a task).
    pub fn mark_database_down(&self) {
        let Pool::Postgres(pool) = &self.pool else {
            return;
        };
        if !self.health.down.swap(true, Ordering::AcqRel) {
            tracing::error!("database unreachable: answering 503 until it is back");
        }
        if self.health.probing.swap(true, Ordering::AcqRel) {
            return;
        }
        let pool = pool.clone();
        let health = Arc::clone(&self.health);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(PROBE_EVERY).await;
                if pool.is_closed() {
                    break;
                }
                let ping = async {
                    let mut connection = pool.acquire().await?;
                    sqlx::query("SELECT 1").execute(&mut *connection).await
                };
                if let Ok(Ok(_)) = tokio::time::timeout(PROBE_TIMEOUT, ping).await {
                    health.down.store(false, Ordering::Release);
                    tracing::info!("database reachable again");
                    break;
                }
            }
            health.probing.store(false, Ordering::Release);
        });
    }
}
