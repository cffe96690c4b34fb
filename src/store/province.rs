// The Department's side of the province: the institutions that report to it, every version of
// every yearly report they sent (or that was fetched or typed in for them), and the nonces of
// signed reports already received (so a replay is refused). Only the Department's server uses
// these tables; a museum's stay empty.

use super::{Result, Store, StoreError};
pub use crate::province::Institution;

type InstitutionRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    bool,
);

fn institution(r: InstitutionRow) -> Institution {
    Institution {
        code: r.0,
        kind: r.1,
        level: r.2,
        name_vi: r.3,
        name_en: r.4,
        address: r.5,
        contact: r.6,
        site_url: r.7,
        has_key: r.8,
    }
}

const SELECT_INSTITUTION: &str = "SELECT code, kind, level, name_vi, name_en, address, contact, site_url, \
     report_key IS NOT NULL FROM institutions";

/// One version of an institution's report of a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub institution: String,
    pub year: i64,
    pub version: i64,
    /// sent (signed, by the museum's server), fetched (by the Department), form or sheet.
    pub source: String,
    pub received_at: i64,
    /// The account that typed or fetched it, or the institution's code for a signed report.
    pub received_by: String,
    /// The document as received.
    pub document: String,
}

type ReceivedRow = (String, i64, i64, String, i64, String, String);

fn received(r: ReceivedRow) -> Received {
    Received {
        institution: r.0,
        year: r.1,
        version: r.2,
        source: r.3,
        received_at: r.4,
        received_by: r.5,
        document: r.6,
    }
}

const SELECT_RECEIVED: &str =
    "SELECT institution, year, version, source, received_at, received_by, document FROM province_reports";

impl Store {
    /// Add an institution or change its details (the key is kept).
    pub async fn save_institution(&self, i: &Institution, now: i64) -> Result<()> {
        const SQL: &str = "INSERT INTO institutions (code, kind, level, name_vi, name_en, address, contact, site_url, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
             ON CONFLICT (code) DO UPDATE SET kind = $2, level = $3, name_vi = $4, name_en = $5, address = $6, \
             contact = $7, site_url = $8, updated_at = $9";
        on_pool!(self, p => sqlx::query(SQL)
            .bind(&i.code).bind(&i.kind).bind(&i.level).bind(&i.name_vi).bind(&i.name_en)
            .bind(&i.address).bind(&i.contact).bind(&i.site_url).bind(now)
            .execute(p).await?.rows_affected());
        Ok(())
    }

    /// Every institution, by code.
    pub async fn institutions(&self) -> Result<Vec<Institution>> {
        let sql = format!("{SELECT_INSTITUTION} ORDER BY code");
        let rows: Vec<InstitutionRow> = on_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await?);
        Ok(rows.into_iter().map(institution).collect())
    }

    pub async fn institution(&self, code: &str) -> Result<Option<Institution>> {
        let sql = format!("{SELECT_INSTITUTION} WHERE code = $1");
        let r: Option<InstitutionRow> =
            on_pool!(self, p => sqlx::query_as(&sql).bind(code).fetch_optional(p).await?);
        Ok(r.map(institution))
    }

    /// The institution's key (hex), if it has one.
    pub async fn report_key(&self, code: &str) -> Result<Option<String>> {
        let r: Option<Option<String>> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT report_key FROM institutions WHERE code = $1")
            .bind(code).fetch_optional(p).await?);
        Ok(r.flatten())
    }

    /// Give an institution a new key (the old one stops working at once); false when unknown.
    pub async fn set_report_key(&self, code: &str, key: &str, now: i64) -> Result<bool> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE institutions SET report_key = $1, updated_at = $2 WHERE code = $3")
            .bind(key).bind(now).bind(code).execute(p).await?.rows_affected());
        Ok(n == 1)
    }

    /// Store a report of `year` as the institution's next version, in one transaction with its
    /// nonce when it came signed. `Ok(None)`: that nonce was already used (a replay), nothing
    /// stored. Nonces older than `keep_nonces` seconds are dropped (their timestamps are refused
    /// anyway).
    #[allow(clippy::too_many_arguments)]
    pub async fn receive_report(
        &self,
        code: &str,
        year: i32,
        source: &str,
        by: &str,
        document: &str,
        nonce: Option<&str>,
        keep_nonces: i64,
        now: i64,
    ) -> Result<Option<i64>> {
        const NONCE: &str = "INSERT INTO report_nonces (institution, nonce, at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING";
        const PRUNE: &str = "DELETE FROM report_nonces WHERE at < $1";
        const NEXT: &str =
            "SELECT COALESCE(MAX(version), 0) + 1 FROM province_reports WHERE institution = $1 AND year = $2";
        const ADD: &str = "INSERT INTO province_reports (institution, year, version, source, received_at, \
             received_by, document) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let r: std::result::Result<Option<i64>, sqlx::Error> = on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            if let Some(n) = nonce {
                sqlx::query(PRUNE).bind(now - keep_nonces).execute(&mut *tx).await?;
                let fresh = sqlx::query(NONCE).bind(code).bind(n).bind(now).execute(&mut *tx).await?
                    .rows_affected();
                if fresh == 0 {
                    tx.rollback().await?;
                    return Ok(None);
                }
            }
            let version: i64 = sqlx::query_scalar(NEXT).bind(code).bind(i64::from(year))
                .fetch_one(&mut *tx).await?;
            sqlx::query(ADD).bind(code).bind(i64::from(year)).bind(version).bind(source).bind(now)
                .bind(by).bind(document).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Some(version))
        }
        .await);
        match r {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict(
                "another report of this institution and year arrived at the same moment: send again".into(),
            )),
            r => Ok(r?),
        }
    }

    /// The last version of every institution's report of `year`.
    pub async fn latest_reports(&self, year: i32) -> Result<Vec<Received>> {
        let sql = format!(
            "{SELECT_RECEIVED} r WHERE year = $1 AND version = (SELECT MAX(version) FROM province_reports \
             WHERE institution = r.institution AND year = r.year) ORDER BY institution"
        );
        let rows: Vec<ReceivedRow> =
            on_pool!(self, p => sqlx::query_as(&sql).bind(i64::from(year)).fetch_all(p).await?);
        Ok(rows.into_iter().map(received).collect())
    }

    /// Every version of an institution's reports, newest year and version first.
    pub async fn reports_of(&self, code: &str) -> Result<Vec<Received>> {
        let sql = format!("{SELECT_RECEIVED} WHERE institution = $1 ORDER BY year DESC, version DESC");
        let rows: Vec<ReceivedRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(code).fetch_all(p).await?);
        Ok(rows.into_iter().map(received).collect())
    }

    /// Keep the portal data just fetched from an institution.
    pub async fn save_portal(&self, code: &str, body: &str, now: i64) -> Result<()> {
        const SQL: &str = "INSERT INTO portal_sources (institution, body, fetched_at, tried_at, error) \
             VALUES ($1, $2, $3, $3, NULL) ON CONFLICT (institution) DO UPDATE SET body = $2, fetched_at = $3, \
             tried_at = $3, error = NULL";
        on_pool!(self, p => sqlx::query(SQL).bind(code).bind(body).bind(now).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Note that fetching an institution's portal data failed; its last good copy stays.
    pub async fn portal_failed(&self, code: &str, error: &str, now: i64) -> Result<()> {
        const SQL: &str = "INSERT INTO portal_sources (institution, tried_at, error) VALUES ($1, $2, $3) \
             ON CONFLICT (institution) DO UPDATE SET tried_at = $2, error = $3";
        on_pool!(self, p => sqlx::query(SQL).bind(code).bind(now).bind(error).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Every institution's portal data: (code, last good copy, when fetched, last error).
    pub async fn portal_sources(&self) -> Result<Vec<PortalSource>> {
        let rows: Vec<PortalRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT institution, body, fetched_at, tried_at, error FROM portal_sources ORDER BY institution")
            .fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|r| PortalSource {
                institution: r.0,
                body: r.1,
                fetched_at: r.2,
                tried_at: r.3,
                error: r.4,
            })
            .collect())
    }
}

type PortalRow = (String, Option<String>, Option<i64>, i64, Option<String>);

/// The last portal data of an institution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSource {
    pub institution: String,
    pub body: Option<String>,
    pub fetched_at: Option<i64>,
    pub tried_at: i64,
    pub error: Option<String>,
}
