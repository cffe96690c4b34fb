// Contest entries: one per person per round, held by a unique key on the keyed hash of who the
// entrant is, so two entries sent at once from the same person cannot both be stored. An answer
// sheet is taken once: the update that stores it only touches an entry not yet submitted.

use super::{Result, Store};
use crate::contests::{Answered, Drawn, Entry, Marked, NewEntry};

const SELECT_ENTRY: &str = "SELECT id, contest, round, name, school, grade, birth_year, contact, drawn, answers, \
     score, total, prediction, started_ms, deadline_ms, submitted_ms FROM contest_entries";

type EntryRow = (
    i64,
    String,
    i64,
    Option<String>,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    String,
    Option<String>,
    Option<i64>,
    i64,
    Option<i64>,
    i64,
    i64,
    Option<i64>,
);

fn entry(r: EntryRow) -> Entry {
    Entry {
        id: r.0,
        contest: r.1,
        round: r.2 as u32,
        name: r.3,
        school: r.4,
        grade: r.5.and_then(|g| u8::try_from(g).ok()),
        birth_year: r.6.and_then(|y| i32::try_from(y).ok()),
        contact: r.7,
        drawn: serde_json::from_str::<Vec<Drawn>>(&r.8).unwrap_or_default(),
        answers: r.9.and_then(|a| serde_json::from_str::<Vec<Answered>>(&a).ok()),
        score: r.10,
        total: r.11,
        prediction: r.12,
        started_ms: r.13,
        deadline_ms: r.14,
        submitted_ms: r.15,
    }
}

/// What starting an entry gave.
#[derive(Debug, Clone)]
pub enum Started {
    /// A new entry.
    New(Entry),
    /// The same person's entry of this round, not yet submitted: its link now holds the new token
    /// and its questions, start and deadline stay as they were.
    Resumed(Entry),
    /// The same person already submitted an entry in this round.
    AlreadyIn(Entry),
}

impl Store {
    /// Start an entry, or find the same person's entry of the round.
    pub async fn start_entry(&self, e: &NewEntry, token_hash: &str) -> Result<Started> {
        const INSERT: &str = "INSERT INTO contest_entries (contest, round, person_hash, token_hash, name, school, \
             grade, birth_year, contact, consent, drawn, total, started_ms, deadline_ms, lang) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (contest, round, person_hash) DO NOTHING RETURNING id";
        let drawn = serde_json::to_string(&e.drawn).unwrap_or_else(|_| "[]".into());
        let inserted: Option<i64> = on_pool!(self, p => sqlx::query_scalar(INSERT)
            .bind(&e.contest)
            .bind(i64::from(e.round))
            .bind(&e.person_hash)
            .bind(token_hash)
            .bind(&e.entrant.name)
            .bind(&e.entrant.school)
            .bind(e.entrant.grade.map(i64::from))
            .bind(e.entrant.birth_year.map(i64::from))
            .bind(&e.entrant.contact)
            .bind(&e.entrant.consent)
            .bind(&drawn)
            .bind(e.drawn.len() as i64)
            .bind(e.started_ms)
            .bind(e.deadline_ms)
            .bind(&e.lang)
            .fetch_optional(p)
            .await?);
        if let Some(id) = inserted {
            return Ok(Started::New(self.entry(id).await?.ok_or_else(gone)?));
        }
        const RESUME: &str = "UPDATE contest_entries SET token_hash = $4 \
             WHERE contest = $1 AND round = $2 AND person_hash = $3 AND submitted_ms IS NULL";
        let resumed = on_pool!(self, p => sqlx::query(RESUME)
            .bind(&e.contest)
            .bind(i64::from(e.round))
            .bind(&e.person_hash)
            .bind(token_hash)
            .execute(p)
            .await?
            .rows_affected());
        let sql = format!("{SELECT_ENTRY} WHERE contest = $1 AND round = $2 AND person_hash = $3");
        let row: EntryRow = on_pool!(self, p => sqlx::query_as(&sql)
            .bind(&e.contest)
            .bind(i64::from(e.round))
            .bind(&e.person_hash)
            .fetch_one(p)
            .await?);
        Ok(if resumed == 1 {
            Started::Resumed(entry(row))
        } else {
            Started::AlreadyIn(entry(row))
        })
    }

    pub async fn entry(&self, id: i64) -> Result<Option<Entry>> {
        let sql = format!("{SELECT_ENTRY} WHERE id = $1");
        let row: Option<EntryRow> =
            on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await?);
        Ok(row.map(entry))
    }

    /// The entry behind a secret link.
    pub async fn entry_by_token(&self, token_hash: &str) -> Result<Option<Entry>> {
        let sql = format!("{SELECT_ENTRY} WHERE token_hash = $1");
        let row: Option<EntryRow> =
            on_pool!(self, p => sqlx::query_as(&sql).bind(token_hash).fetch_optional(p).await?);
        Ok(row.map(entry))
    }

    /// Store a marked answer sheet. False when the entry was already submitted (a second sheet
    /// sent at the same time is refused, not counted).
    pub async fn submit_entry(&self, id: i64, m: &Marked, submitted_ms: i64) -> Result<bool> {
        const SQL: &str = "UPDATE contest_entries SET answers = $2, score = $3, total = $4, prediction = $5, \
             submitted_ms = $6 WHERE id = $1 AND submitted_ms IS NULL";
        let answers = serde_json::to_string(&m.answers).unwrap_or_else(|_| "[]".into());
        let n = on_pool!(self, p => sqlx::query(SQL)
            .bind(id)
            .bind(&answers)
            .bind(m.score)
            .bind(m.total)
            .bind(m.prediction)
            .bind(submitted_ms)
            .execute(p)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    /// Every entry of a round, in the order they were started.
    pub async fn entries_of(&self, contest: &str, round: u32) -> Result<Vec<Entry>> {
        let sql = format!("{SELECT_ENTRY} WHERE contest = $1 AND round = $2 ORDER BY id");
        let rows: Vec<EntryRow> = on_pool!(self, p => sqlx::query_as(&sql)
            .bind(contest)
            .bind(i64::from(round))
            .fetch_all(p)
            .await?);
        Ok(rows.into_iter().map(entry).collect())
    }

    /// Submitted entries per contest whose answers arrived in `[from_ms, to_ms)`: (contest,
    /// entries).
    pub async fn contest_numbers(&self, from_ms: i64, to_ms: i64) -> Result<Vec<(String, i64)>> {
        const SQL: &str = "SELECT contest, CAST(COUNT(*) AS BIGINT) FROM contest_entries \
             WHERE submitted_ms >= $1 AND submitted_ms < $2 GROUP BY contest ORDER BY contest";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(from_ms).bind(to_ms).fetch_all(p).await?))
    }

    /// Every entry that still holds a name or a contact, newest first (a person's request).
    pub async fn entries_with_personal_data(&self) -> Result<Vec<Entry>> {
        let sql = format!("{SELECT_ENTRY} WHERE name IS NOT NULL OR contact IS NOT NULL ORDER BY id DESC");
        let rows: Vec<EntryRow> = on_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await?);
        Ok(rows.into_iter().map(entry).collect())
    }

    /// Erase the name, contact and consent of these entries (one person's request), all or none;
    /// the score, school and grade stay for the numbers, and the entry stays in the ranking
    /// without a name. Returns how many held personal data.
    pub async fn erase_entries_personal_data(&self, ids: &[i64], now: i64) -> Result<u64> {
        self.erase_rows(
            "UPDATE contest_entries SET name = NULL, contact = NULL, consent = NULL, personal_erased_at = $2 \
             WHERE id = $1 AND (name IS NOT NULL OR contact IS NOT NULL OR consent IS NOT NULL)",
            ids,
            now,
        )
        .await
    }

    /// Remove an entry (a manager, at the entrant's request).
    pub async fn delete_entry(&self, id: i64) -> Result<bool> {
        Ok(
            on_pool!(self, p => sqlx::query("DELETE FROM contest_entries WHERE id = $1")
            .bind(id)
            .execute(p)
            .await?
            .rows_affected())
                == 1,
        )
    }

    /// Publish the winners of a round on the contest's public results page (again: a later
    /// time, by `by`), or take them down.
    pub async fn set_results_published(
        &self,
        contest: &str,
        round: u32,
        by: Option<&str>,
        now: i64,
    ) -> Result<()> {
        match by {
            Some(by) => on_pool!(self, p => sqlx::query(
                "INSERT INTO contest_results (contest, round, published_at, published_by) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (contest, round) DO UPDATE SET published_at = excluded.published_at, \
                 published_by = excluded.published_by",
            )
            .bind(contest)
            .bind(i64::from(round))
            .bind(now)
            .bind(by)
            .execute(p)
            .await?
            .rows_affected()),
            None => {
                on_pool!(self, p => sqlx::query("DELETE FROM contest_results WHERE contest = $1 AND round = $2")
                .bind(contest)
                .bind(i64::from(round))
                .execute(p)
                .await?
                .rows_affected())
            }
        };
        Ok(())
    }

    /// The rounds of `contest` whose winners are published, with when and by whom.
    pub async fn results_published(&self, contest: &str) -> Result<Vec<(u32, i64, String)>> {
        let rows: Vec<(i64, i64, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT round, published_at, published_by FROM contest_results WHERE contest = $1 ORDER BY round",
        )
        .bind(contest)
        .fetch_all(p)
        .await?);
        Ok(rows
            .into_iter()
            .filter_map(|(r, at, by)| Some((u32::try_from(r).ok()?, at, by)))
            .collect())
    }

    /// Erase the names, contacts and consent texts of entries started before `before_ms`; scores,
    /// schools and grades stay for the numbers.
    pub async fn erase_contest_personal_data_before(&self, before_ms: i64, now: i64) -> Result<u64> {
        const SQL: &str = "UPDATE contest_entries SET name = NULL, contact = NULL, consent = NULL, \
             personal_erased_at = $2 WHERE started_ms < $1 AND (name IS NOT NULL OR contact IS NOT NULL)";
        Ok(on_pool!(self, p => sqlx::query(SQL).bind(before_ms).bind(now).execute(p).await?.rows_affected()))
    }
}

fn gone() -> super::StoreError {
    super::StoreError::Conflict("the entry just stored cannot be read back".into())
}
