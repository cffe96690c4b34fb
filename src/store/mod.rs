// The one data-access module: QR scans and page views, study-visit records. SQLite (a file,
// created on first start, WAL) or PostgreSQL, chosen by the database URL. One function per
// query; the SQL text is shared where both dialects agree (`$1` placeholders work in both) and
// split where they differ (migrations). Nothing here knows about HTTP.

mod migrate;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Postgres, QueryBuilder, Sqlite};

use crate::visits::{Visit, VisitRecord};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL {0:?} is neither sqlite:… nor postgres://…")]
    BadUrl(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database schema: {0}")]
    Schema(String),
    /// A unique value is already taken (shown to the user; a 409, never a 500).
    #[error("{0}")]
    Conflict(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A connection pool to the museum's database.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The same code for both pools: `on_pool!(self, p => sqlx::query(...).execute(p).await)`.
macro_rules! on_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match $store {
            Store::Sqlite($p) => $body,
            Store::Postgres($p) => $body,
        }
    };
}

/// Insert visit `$v` through `$exec` (a pool or `&mut *tx`); evaluates to its id.
macro_rules! insert_visit {
    ($exec:expr, $v:expr, $now:expr) => {{
        let v: &crate::visits::Visit = $v;
        let id: i64 = sqlx::query_scalar($crate::store::INSERT_VISIT)
            .bind(&v.date)
            .bind(v.visitor_type.code())
            .bind(v.purpose.code())
            .bind(v.group_size)
            .bind(&v.organisation)
            .bind(&v.grade)
            .bind(&v.origin)
            .bind(&v.name)
            .bind(&v.contact)
            .bind(&v.consent)
            .bind(v.source.code())
            .bind(&v.lang)
            .bind($now)
            .fetch_one($exec)
            .await?;
        id
    }};
}

mod accounts;
mod contests;
mod learn;
mod mail;
mod province;
mod publish;
mod signups;
pub use accounts::Login;
pub use contests::Started;
pub use learn::{Answer, AssignmentSummary, ProgrammeTotal, Student};
pub use mail::Outgoing;
pub use province::{Institution, PortalSource, Received};
pub use publish::Publish;
pub use signups::{EventNumbers, SignedUp};

/// Insert a whole visit (`$13` is both its creation and update time); returns its id.
pub(crate) const INSERT_VISIT: &str = "INSERT INTO visits (visit_date, visitor_type, purpose, group_size, organisation, \
     grade, origin, name, contact, consent, source, lang, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id";

/// One request for an object page: through its QR code (`/O/<ID>/`) or an ordinary view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageHit {
    pub object: String,
    /// Unix seconds.
    pub at: i64,
    pub lang: String,
    /// phone, tablet or desktop (bots are not recorded).
    pub device: String,
    pub via_qr: bool,
}

/// Scans and views of one object over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitCount {
    pub object: String,
    pub scans: i64,
    pub views: i64,
}

impl Store {
    /// Open (and create, for SQLite) the database at `url` and bring its schema up to date.
    /// `sqlite:path/to/file.db` or `postgres://user@host/db`; a `?search_path=schema` on a
    /// PostgreSQL URL keeps the tables in that schema.
    pub async fn open(url: &str) -> Result<Store> {
        let store = if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.trim_start_matches("//");
            if let Some(dir) = std::path::Path::new(path).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Schema(format!("{}: {e}", dir.display())))?;
            }
            let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(opts)
                .await?;
            Store::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let (base, schema) = split_search_path(url);
            let mut opts = PgConnectOptions::from_str(&base)?;
            if let Some(s) = &schema {
                opts = opts.options([("search_path", s.as_str())]);
            }
            let pool = PgPoolOptions::new().max_connections(8).connect_with(opts).await?;
            if let Some(s) = &schema {
                sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS \"{}\"", s.replace('"', "")))
                    .execute(&pool)
                    .await?;
            }
            Store::Postgres(pool)
        } else {
            return Err(StoreError::BadUrl(url.to_string()));
        };
        migrate::run(&store).await?;
        Ok(store)
    }

    pub fn dialect(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }

    /// Record a batch of page hits in one transaction (the server batches them so that writes
    /// never slow page serving).
    pub async fn record_hits(&self, hits: &[PageHit]) -> Result<()> {
        if hits.is_empty() {
            return Ok(());
        }
        // 5 parameters a row; stay far below either database's parameter limit.
        for chunk in hits.chunks(1000) {
            match self {
                Store::Sqlite(p) => {
                    let mut qb = QueryBuilder::<Sqlite>::new(
                        "INSERT INTO page_hits (object_id, at, lang, device, via_qr) ",
                    );
                    qb.push_values(chunk, |mut b, h| {
                        b.push_bind(&h.object)
                            .push_bind(h.at)
                            .push_bind(&h.lang)
                            .push_bind(&h.device)
                            .push_bind(h.via_qr);
                    });
                    qb.build().execute(p).await?;
                }
                Store::Postgres(p) => {
                    let mut qb = QueryBuilder::<Postgres>::new(
                        "INSERT INTO page_hits (object_id, at, lang, device, via_qr) ",
                    );
                    qb.push_values(chunk, |mut b, h| {
                        b.push_bind(&h.object)
                            .push_bind(h.at)
                            .push_bind(&h.lang)
                            .push_bind(&h.device)
                            .push_bind(h.via_qr);
                    });
                    qb.build().execute(p).await?;
                }
            }
        }
        Ok(())
    }

    /// Scans and views per object between two instants (unix seconds, `from` included, `to`
    /// excluded), most scanned first.
    pub async fn hit_counts(&self, from: i64, to: i64) -> Result<Vec<HitCount>> {
        const SQL: &str = "SELECT object_id, \
             CAST(SUM(CASE WHEN via_qr THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN via_qr THEN 0 ELSE 1 END) AS BIGINT) \
             FROM page_hits WHERE at >= $1 AND at < $2 GROUP BY object_id \
             ORDER BY 2 DESC, 3 DESC, object_id";
        let rows: Vec<(String, i64, i64)> =
            on_pool!(self, p => sqlx::query_as(SQL).bind(from).bind(to).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(object, scans, views)| HitCount { object, scans, views })
            .collect())
    }

    /// Add a study-visit record; returns its id.
    pub async fn add_visit(&self, v: &Visit, now: i64) -> Result<i64> {
        Ok(on_pool!(self, p => insert_visit!(p, v, now)))
    }

    /// Replace the fields of visit `id`; false when there is no such record.
    pub async fn update_visit(&self, id: i64, v: &Visit, now: i64) -> Result<bool> {
        const SQL: &str = "UPDATE visits SET visit_date = $1, visitor_type = $2, purpose = $3, group_size = $4, \
             organisation = $5, grade = $6, origin = $7, name = $8, contact = $9, consent = $10, updated_at = $11 \
             WHERE id = $12";
        let n = on_pool!(self, p => sqlx::query(SQL)
            .bind(&v.date)
            .bind(v.visitor_type.code())
            .bind(v.purpose.code())
            .bind(v.group_size)
            .bind(&v.organisation)
            .bind(&v.grade)
            .bind(&v.origin)
            .bind(&v.name)
            .bind(&v.contact)
            .bind(&v.consent)
            .bind(now)
            .bind(id)
            .execute(p)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    pub async fn delete_visit(&self, id: i64) -> Result<bool> {
        let n = on_pool!(self, p => sqlx::query("DELETE FROM visits WHERE id = $1")
            .bind(id)
            .execute(p)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    /// Visits whose date lies in `[from, to]` (ISO dates, both included), newest first.
    pub async fn visits_between(&self, from: &str, to: &str) -> Result<Vec<VisitRecord>> {
        const SQL: &str = concat!(
            select_visit!(),
            " WHERE visit_date >= $1 AND visit_date <= $2 ORDER BY visit_date DESC, id DESC"
        );
        let rows: Vec<VisitRow> =
            on_pool!(self, p => sqlx::query_as(SQL).bind(from).bind(to).fetch_all(p).await?);
        Ok(rows.into_iter().filter_map(VisitRow::into_record).collect())
    }

    pub async fn visit(&self, id: i64) -> Result<Option<VisitRecord>> {
        const SQL: &str = concat!(select_visit!(), " WHERE id = $1");
        let row: Option<VisitRow> =
            on_pool!(self, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await?);
        Ok(row.and_then(VisitRow::into_record))
    }

    /// Erase names and contacts of visits dated before `before` (an ISO date); the counts stay.
    /// Returns how many records were erased.
    pub async fn erase_personal_data_before(&self, before: &str, now: i64) -> Result<u64> {
        const SQL: &str = "UPDATE visits SET name = NULL, contact = NULL, personal_erased_at = $2 \
             WHERE visit_date < $1 AND (name IS NOT NULL OR contact IS NOT NULL)";
        let n =
            on_pool!(self, p => sqlx::query(SQL).bind(before).bind(now).execute(p).await?.rows_affected());
        Ok(n)
    }

    /// People counted per visit date between two ISO dates (both included): (date, visitor type,
    /// purpose, people, records). The statistics are computed from these rows.
    pub async fn visit_totals(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, String, String, i64, i64)>> {
        const SQL: &str = "SELECT visit_date, visitor_type, purpose, CAST(SUM(group_size) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
             FROM visits WHERE visit_date >= $1 AND visit_date <= $2 \
             GROUP BY visit_date, visitor_type, purpose ORDER BY visit_date, visitor_type, purpose";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(from).bind(to).fetch_all(p).await?))
    }
}

impl Store {
    /// School and university groups between two ISO dates (both included): (organisation,
    /// purpose, people, groups).
    pub async fn school_totals(&self, from: &str, to: &str) -> Result<Vec<(String, String, i64, i64)>> {
        const SQL: &str = "SELECT organisation, purpose, CAST(SUM(group_size) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
             FROM visits WHERE visit_date >= $1 AND visit_date <= $2 \
             AND visitor_type IN ('school_group', 'university_group') \
             GROUP BY organisation, purpose";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(from).bind(to).fetch_all(p).await?))
    }

    /// Every record that still holds a name or a contact (what a person's request is matched
    /// against), newest first.
    pub async fn visits_with_personal_data(&self) -> Result<Vec<VisitRecord>> {
        const SQL: &str = concat!(
            select_visit!(),
            " WHERE name IS NOT NULL OR contact IS NOT NULL ORDER BY visit_date DESC, id DESC"
        );
        let rows: Vec<VisitRow> = on_pool!(self, p => sqlx::query_as(SQL).fetch_all(p).await?);
        Ok(rows.into_iter().filter_map(VisitRow::into_record).collect())
    }

    /// Erase the name, contact and consent of these records (one person's request), all or
    /// none; the counts stay. Returns how many records held personal data.
    pub async fn erase_personal_data(&self, ids: &[i64], now: i64) -> Result<u64> {
        self.erase_rows(
            "UPDATE visits SET name = NULL, contact = NULL, consent = NULL, personal_erased_at = $2 \
             WHERE id = $1 AND (name IS NOT NULL OR contact IS NOT NULL OR consent IS NOT NULL)",
            ids,
            now,
        )
        .await
    }

    /// Run `sql` (binding an id as $1 and `now` as $2) for each of `ids` in one transaction: all
    /// or none. Returns the rows changed.
    pub(crate) async fn erase_rows(&self, sql: &str, ids: &[i64], now: i64) -> Result<u64> {
        let mut n = 0;
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            for id in ids {
                n += sqlx::query(sql)
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            tx.commit().await?;
        });
        Ok(n)
    }
}

/// The SELECT of a whole visit, in the column order of `VisitRow`: one place for both.
macro_rules! select_visit {
    () => {
        "SELECT id, visit_date, visitor_type, purpose, group_size, organisation, grade, origin, \
         name, contact, consent, source, lang, created_at, personal_erased_at FROM visits"
    };
}
use select_visit;

type VisitRow = (
    i64,
    String,
    String,
    String,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    i64,
    Option<i64>,
);

trait IntoRecord {
    fn into_record(self) -> Option<VisitRecord>;
}

impl IntoRecord for VisitRow {
    fn into_record(self) -> Option<VisitRecord> {
        let (
            id,
            date,
            vt,
            purpose,
            size,
            org,
            grade,
            origin,
            name,
            contact,
            consent,
            source,
            lang,
            created,
            erased,
        ) = self;
        Some(VisitRecord {
            id,
            created_at: created,
            personal_erased_at: erased,
            visit: Visit {
                date,
                visitor_type: vt.parse().ok()?,
                purpose: purpose.parse().ok()?,
                group_size: size,
                organisation: org,
                grade,
                origin,
                name,
                contact,
                consent,
                source: source.parse().ok()?,
                lang,
            },
        })
    }
}

/// `postgres://…?search_path=x` → (`postgres://…`, Some("x")); other query parameters stay.
fn split_search_path(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut schema = None;
    let rest: Vec<&str> = query
        .split('&')
        .filter(|kv| match kv.strip_prefix("search_path=") {
            Some(s) => {
                schema = Some(s.to_string());
                false
            }
            None => true,
        })
        .collect();
    let base = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    (base, schema)
}
