// The outbox of event e-mails. Rows are written by the sign-up transactions (store::signups);
// the server's mail task reads the ones that are due, and deletes each once the SMTP server has
// taken it. A row holds no name or address: the sender reads the sign-up when it sends, so an
// erased or deleted sign-up is never mailed. The one secret it may hold is the private link of a
// new sign-up's confirmation, until that mail is sent.

use super::{Result, Store};
use crate::mail::Notice;

/// A mail waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub id: i64,
    pub signup_id: i64,
    pub notice: Notice,
    /// The private link to see or cancel the sign-up (only in the first mail).
    pub link: Option<String>,
    pub created_at: i64,
    /// Failed tries so far.
    pub attempts: i64,
}

impl Store {
    /// Mails due at `now`, oldest first, at most `limit`.
    pub async fn due_mail(&self, now: i64, limit: i64) -> Result<Vec<Outgoing>> {
        const SQL: &str = "SELECT id, signup_id, notice, link, created_at, attempts FROM mail_outbox \
             WHERE next_at <= $1 ORDER BY next_at, id LIMIT $2";
        let rows: Vec<(i64, i64, String, Option<String>, i64, i64)> =
            on_pool!(self, p => sqlx::query_as(SQL).bind(now).bind(limit).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(Outgoing {
                    id: r.0,
                    signup_id: r.1,
                    notice: Notice::parse(&r.2)?,
                    link: r.3,
                    created_at: r.4,
                    attempts: r.5,
                })
            })
            .collect())
    }

    /// A mail sent, or given up: it leaves the outbox (and its link with it).
    pub async fn mail_done(&self, id: i64) -> Result<()> {
        on_pool!(self, p => sqlx::query("DELETE FROM mail_outbox WHERE id = $1").bind(id).execute(p).await?.rows_affected());
        Ok(())
    }

    /// A mail that failed: try again at `next_at`. `error` is a category, never the server's text
    /// (which may quote the address).
    pub async fn mail_failed(&self, id: i64, next_at: i64, error: &str) -> Result<()> {
        const SQL: &str =
            "UPDATE mail_outbox SET attempts = attempts + 1, next_at = $2, last_error = $3 WHERE id = $1";
        on_pool!(self, p => sqlx::query(SQL).bind(id).bind(next_at).bind(error).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Mails still waiting, and the earliest time one is due (for staff and the tests).
    pub async fn mail_waiting(&self) -> Result<(i64, Option<i64>)> {
        const SQL: &str = "SELECT CAST(COUNT(*) AS BIGINT), MIN(next_at) FROM mail_outbox";
        let r: (i64, Option<i64>) = on_pool!(self, p => sqlx::query_as(SQL).fetch_one(p).await?);
        Ok(r)
    }

    /// Forget mails queued before `before` (unix seconds) that were never sent, e.g. when `[mail]`
    /// was removed: a confirmation days late helps nobody, and its link should not stay stored.
    pub async fn drop_stale_mail(&self, before: i64) -> Result<u64> {
        const SQL: &str = "DELETE FROM mail_outbox WHERE created_at < $1";
        Ok(on_pool!(self, p => sqlx::query(SQL).bind(before).execute(p).await?.rows_affected()))
    }
}
