// The history of publishing: who put which content live, when, how long it took, and the snapshot
// of the content it was built from (for restoring it).

use super::{Result, Store};

/// One publication, or one restoration of an earlier one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Publish {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub account_id: Option<i64>,
    pub username: String,
    /// `publish` or `restore`.
    pub action: String,
    /// The snapshot's folder name under `.vitrine/published/`.
    pub snapshot: String,
    /// The content files changed since the previous publication, one per line.
    pub changes: String,
    /// From the click to the new site being served.
    pub millis: i64,
}

type PublishRow = (i64, i64, Option<i64>, String, String, String, String, i64);

impl From<PublishRow> for Publish {
    fn from(r: PublishRow) -> Publish {
        Publish {
            id: r.0,
            at: r.1,
            account_id: r.2,
            username: r.3,
            action: r.4,
            snapshot: r.5,
            changes: r.6,
            millis: r.7,
        }
    }
}

const SELECT: &str = "SELECT id, at, account_id, username, action, snapshot, changes, millis FROM publishes";

impl Store {
    pub async fn add_publish(&self, p: &Publish) -> Result<i64> {
        const SQL: &str = "INSERT INTO publishes (at, account_id, username, action, snapshot, changes, millis) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
        Ok(on_pool!(self, pool => sqlx::query_scalar(SQL)
            .bind(p.at)
            .bind(p.account_id)
            .bind(&p.username)
            .bind(&p.action)
            .bind(&p.snapshot)
            .bind(&p.changes)
            .bind(p.millis)
            .fetch_one(pool)
            .await)?)
    }

    /// The latest publications first.
    pub async fn publishes(&self, limit: i64) -> Result<Vec<Publish>> {
        let sql = format!("{SELECT} ORDER BY id DESC LIMIT $1");
        let rows: Vec<PublishRow> = on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(limit)
            .fetch_all(pool)
            .await)?;
        Ok(rows.into_iter().map(Publish::from).collect())
    }

    pub async fn publish_record(&self, id: i64) -> Result<Option<Publish>> {
        let sql = format!("{SELECT} WHERE id = $1");
        let row: Option<PublishRow> = on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(Publish::from))
    }
}
