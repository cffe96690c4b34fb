// Event sign-ups: places counted in people, a waiting list served first in, first out, and the
// door's attendance turned into visit records. Every change that can move a place runs in one
// transaction holding the event's row: `BEGIN IMMEDIATE` on SQLite (one writer at a time),
// `SELECT … FOR UPDATE` on PostgreSQL (sign-ups for one event wait for each other; other events
// do not). The event's capacity comes from its content file and is written into `event_places`
// by each of these transactions, so a capacity raised by the curator moves people up too.

use super::{Result, Store, StoreError};
use crate::signups::{Kind, NewSignup, Signup, Status};

/// The columns of `Signup`, in its order.
const SELECT_SIGNUP: &str = "SELECT id, event, event_day, code, kind, people, organisation, grade, name, contact, \
     status, lang, created_at, came, visit_id FROM signups";

type SignupRow = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
);

fn signup(r: SignupRow) -> Signup {
    Signup {
        id: r.0,
        event: r.1,
        event_day: r.2,
        code: r.3,
        kind: Kind::parse(&r.4).unwrap_or(Kind::Individual),
        people: r.5,
        organisation: r.6,
        grade: r.7,
        name: r.8,
        contact: r.9,
        status: Status::parse(&r.10).unwrap_or(Status::Cancelled),
        lang: r.11,
        created_at: r.12,
        came: r.13,
        visit_id: r.14,
    }
}

/// What a sign-up got.
#[derive(Debug, Clone)]
pub struct SignedUp {
    pub signup: Signup,
    /// Its place on the waiting list (1 = next), when it is waiting.
    pub position: Option<i64>,
    /// Sign-ups moved up from the waiting list by this change.
    pub moved_up: Vec<i64>,
}

/// The numbers of one event.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EventNumbers {
    pub event: String,
    pub event_day: String,
    /// People with places, and their sign-ups.
    pub confirmed: i64,
    pub confirmed_signups: i64,
    pub waiting: i64,
    pub waiting_signups: i64,
    pub cancelled_signups: i64,
    /// People who came (sign-ups and walk-ins), and the sign-ups marked.
    pub came: i64,
    pub came_signups: i64,
    pub walk_ins: i64,
    /// Confirmed sign-ups nobody marked at the door.
    pub not_marked: i64,
}

/// Open a transaction that holds the event row, run `$body` with `$tx` and the event's capacity
/// in `$cap`, and commit. The same text runs on both pools.
macro_rules! with_event_locked {
    ($store:expr, $event:expr, $capacity:expr, $now:expr, |$tx:ident, $cap:ident| $body:block) => {
        match $store {
            Store::Sqlite(p) => {
                let mut $tx = p.begin_with("BEGIN IMMEDIATE").await?;
                let $cap = lock_event!(&mut *$tx, $event, $capacity, $now, "");
                let r: Result<_> = async { Ok($body) }.await;
                finish!($tx, r)
            }
            Store::Postgres(p) => {
                let mut $tx = p.begin().await?;
                let $cap = lock_event!(&mut *$tx, $event, $capacity, $now, " FOR UPDATE");
                let r: Result<_> = async { Ok($body) }.await;
                finish!($tx, r)
            }
        }
    };
}

/// Commit when the body succeeded; otherwise roll back at once (a transaction only dropped is
/// rolled back later, and SQLite's write lock would be held until then) and return the error.
macro_rules! finish {
    ($tx:ident, $r:expr) => {
        match $r {
            Ok(v) => {
                $tx.commit().await?;
                v
            }
            Err(e) => {
                let _ = $tx.rollback().await;
                return Err(e);
            }
        }
    };
}

macro_rules! lock_event {
    ($conn:expr, $event:expr, $capacity:expr, $now:expr, $for_update:literal) => {{
        sqlx::query(
            "INSERT INTO event_places (event, capacity, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (event) DO UPDATE SET capacity = excluded.capacity, updated_at = excluded.updated_at",
        )
        .bind($event)
        .bind($capacity)
        .bind($now)
        .execute(&mut *$conn)
        .await?;
        let cap: Option<i64> = sqlx::query_scalar(concat!(
            "SELECT capacity FROM event_places WHERE event = $1",
            $for_update
        ))
        .bind($event)
        .fetch_one(&mut *$conn)
        .await?;
        cap
    }};
}

/// Move waiting sign-ups up, first in first out, while the next one fits in the free places.
/// The next one that does not fit stops the line: a large group is not passed over by later,
/// smaller ones. Evaluates to (moved ids, free places after (None: no limit), still waiting).
macro_rules! settle {
    ($conn:expr, $event:expr, $cap:expr, $now:expr, $mail:expr) => {{
        let confirmed: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(people), 0) AS BIGINT) FROM signups WHERE event = $1 AND status = 'confirmed'",
        )
        .bind($event)
        .fetch_one(&mut *$conn)
        .await?;
        let waiting: Vec<(i64, i64, Option<String>)> = sqlx::query_as(
            "SELECT id, people, contact FROM signups WHERE event = $1 AND status = 'waiting' ORDER BY id",
        )
        .bind($event)
        .fetch_all(&mut *$conn)
        .await?;
        let mut free: Option<i64> = $cap.map(|c: i64| c - confirmed);
        let mut moved = Vec::new();
        for (id, people, contact) in &waiting {
            if free.is_some_and(|f| *people > f) {
                break;
            }
            sqlx::query("UPDATE signups SET status = 'confirmed', moved_up_at = $2 WHERE id = $1")
                .bind(id)
                .bind($now)
                .execute(&mut *$conn)
                .await?;
            if $mail {
                queue_mail!($conn, *id, contact, crate::mail::Notice::MovedUp, None::<&str>, $now);
            }
            free = free.map(|f| f - people);
            moved.push(*id);
        }
        let left = waiting.len() - moved.len();
        (moved, free, left)
    }};
}

/// Queue a mail about sign-up `id` when its contact is an e-mail address, in the transaction
/// that made the change: the change and its mail are stored together or not at all.
macro_rules! queue_mail {
    ($conn:expr, $id:expr, $contact:expr, $notice:expr, $link:expr, $now:expr) => {
        if $contact.as_deref().and_then(crate::mail::address_of).is_some() {
            sqlx::query(
                "INSERT INTO mail_outbox (signup_id, notice, link, created_at, attempts, next_at) \
                 VALUES ($1, $2, $3, $4, 0, $4)",
            )
            .bind($id)
            .bind($notice.code())
            .bind($link)
            .bind($now)
            .execute(&mut *$conn)
            .await?;
        }
    };
}

/// The waiting-list position of sign-up `id` (1 = next).
macro_rules! position {
    ($conn:expr, $event:expr, $id:expr) => {{
        let n: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM signups WHERE event = $1 AND status = 'waiting' AND id <= $2",
        )
        .bind($event)
        .bind($id)
        .fetch_one(&mut *$conn)
        .await?;
        n
    }};
}

/// A free sign-up code, checked inside the transaction.
macro_rules! free_code {
    ($conn:expr) => {{
        let mut code = crate::learn::new_code();
        for _ in 0..20 {
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM signups WHERE code = $1")
                .bind(&code)
                .fetch_optional(&mut *$conn)
                .await?;
            if taken.is_none() {
                break;
            }
            code = crate::learn::new_code();
        }
        code
    }};
}

const INSERT_SIGNUP: &str = "INSERT INTO signups (event, event_day, code, token_hash, kind, people, organisation, grade, \
     name, contact, consent, lang, status, created_at, came, checked_at, visit_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id";

impl Store {
    /// Sign up for an event with `capacity` places (None: no limit). The sign-up gets places
    /// when they are free and nobody is waiting, else the next place on the waiting list.
    /// `token_hash` is the keyed hash of the secret link the person keeps to see or cancel it.
    /// With `mail` (the museum sends e-mail; the link to put in the confirmation), the
    /// confirmation and any move up the waiting list are queued for people who gave an address.
    pub async fn sign_up(
        &self,
        s: &NewSignup,
        capacity: Option<i64>,
        token_hash: &str,
        mail: Option<&str>,
        now: i64,
    ) -> Result<SignedUp> {
        Ok(with_event_locked!(self, &s.event, capacity, now, |tx, cap| {
            let (moved_up, free, left) = settle!(tx, &s.event, cap, now, mail.is_some());
            let status = if left == 0 && free.is_none_or(|f| s.people <= f) {
                Status::Confirmed
            } else {
                Status::Waiting
            };
            let code = free_code!(tx);
            let id: i64 = sqlx::query_scalar(INSERT_SIGNUP)
                .bind(&s.event)
                .bind(&s.event_day)
                .bind(&code)
                .bind(token_hash)
                .bind(s.kind.code())
                .bind(s.people)
                .bind(&s.organisation)
                .bind(&s.grade)
                .bind(&s.name)
                .bind(&s.contact)
                .bind(&s.consent)
                .bind(&s.lang)
                .bind(status.code())
                .bind(now)
                .bind(None::<i64>)
                .bind(None::<i64>)
                .bind(None::<i64>)
                .fetch_one(&mut *tx)
                .await?;
            let position = if status == Status::Waiting {
                Some(position!(tx, &s.event, id))
            } else {
                None
            };
            if let Some(link) = mail {
                let notice = if status == Status::Waiting {
                    crate::mail::Notice::Waiting
                } else {
                    crate::mail::Notice::Confirmed
                };
                queue_mail!(tx, id, s.contact, notice, Some(link), now);
            }
            let row: SignupRow = sqlx::query_as(&format!("{SELECT_SIGNUP} WHERE id = $1"))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            SignedUp {
                signup: signup(row),
                position,
                moved_up,
            }
        }))
    }

    /// The sign-up behind a secret link, with its waiting-list position.
    pub async fn signup_by_token(&self, token_hash: &str) -> Result<Option<(Signup, Option<i64>)>> {
        self.signup_where("token_hash", token_hash).await
    }

    /// The sign-up with this code (as shown at the door).
    pub async fn signup_by_code(&self, code: &str) -> Result<Option<(Signup, Option<i64>)>> {
        self.signup_where("code", code).await
    }

    /// The sign-up whose unique `column` holds `value`, with its waiting-list position.
    async fn signup_where(&self, column: &'static str, value: &str) -> Result<Option<(Signup, Option<i64>)>> {
        let sql = format!("{SELECT_SIGNUP} WHERE {column} = $1");
        let row: Option<SignupRow> =
            on_pool!(self, p => sqlx::query_as(&sql).bind(value).fetch_optional(p).await?);
        let Some(s) = row.map(signup) else {
            return Ok(None);
        };
        let pos = self.position(&s).await?;
        Ok(Some((s, pos)))
    }

    pub async fn signup(&self, id: i64) -> Result<Option<Signup>> {
        let sql = format!("{SELECT_SIGNUP} WHERE id = $1");
        let row: Option<SignupRow> =
            on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await?);
        Ok(row.map(signup))
    }

    async fn position(&self, s: &Signup) -> Result<Option<i64>> {
        if s.status != Status::Waiting {
            return Ok(None);
        }
        let n: i64 = on_pool!(self, p => {
            let mut c = p.acquire().await?;
            position!(c, &s.event, s.id)
        });
        Ok(Some(n))
    }

    /// Cancel the sign-up behind a secret link; the first people waiting move up into the freed
    /// places. None when there is no such sign-up; a sign-up already cancelled stays as it is.
    /// With `mail`, the cancellation and the moves up are queued for people who gave an address.
    pub async fn cancel_signup(
        &self,
        token_hash: &str,
        capacity_of: impl Fn(&str) -> Option<i64>,
        mail: bool,
        now: i64,
    ) -> Result<Option<SignedUp>> {
        let Some((s, _)) = self.signup_by_token(token_hash).await? else {
            return Ok(None);
        };
        let capacity = capacity_of(&s.event);
        let out = with_event_locked!(self, &s.event, capacity, now, |tx, cap| {
            // Read again under the lock: a second click finds it cancelled, and a sign-up marked
            // at the door stays as it is.
            let changed = sqlx::query(
                "UPDATE signups SET status = 'cancelled', cancelled_at = $2 \
                 WHERE id = $1 AND status IN ('confirmed', 'waiting') AND came IS NULL",
            )
            .bind(s.id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if mail && changed == 1 {
                queue_mail!(
                    tx,
                    s.id,
                    s.contact,
                    crate::mail::Notice::Cancelled,
                    None::<&str>,
                    now
                );
            }
            let (moved_up, _, _) = settle!(tx, &s.event, cap, now, mail);
            (changed, moved_up)
        });
        let (_, moved_up) = out;
        let signup = self.signup(s.id).await?.unwrap_or(s);
        Ok(Some(SignedUp {
            signup,
            position: None,
            moved_up,
        }))
    }

    /// Record a published event as the server now serves it, in one transaction with what
    /// follows from a change since the last publication: its sign-ups take its new day (`day`),
    /// people waiting move up when it has more places (not when it is cancelled), and everyone
    /// signed up or waiting is mailed (when `mail`) when it was cancelled or moved.
    /// `announced` is what the people were last told: the status, time and place, as one text
    /// whose first line is the status. The first call for an event only records it. Returns
    /// the notice sent, if any, and the sign-ups that moved up.
    pub async fn event_published(
        &self,
        event: &str,
        day: &str,
        capacity: Option<i64>,
        announced: &str,
        mail: bool,
        now: i64,
    ) -> Result<(Option<crate::mail::Notice>, Vec<i64>)> {
        use crate::mail::Notice;
        let cancelled = announced.lines().next() == Some("cancelled");
        let out = with_event_locked!(self, event, capacity, now, |tx, cap| {
            let before: Option<String> =
                sqlx::query_scalar("SELECT announced FROM event_places WHERE event = $1")
                    .bind(event)
                    .fetch_one(&mut *tx)
                    .await?;
            let notice = match before.as_deref() {
                None => None,
                Some(b) if b == announced => None,
                Some(b) if cancelled && b.lines().next() != Some("cancelled") => Some(Notice::EventCancelled),
                Some(_) if cancelled => None,
                Some(_) => Some(Notice::EventMoved),
            };
            if before.as_deref() != Some(announced) {
                sqlx::query("UPDATE event_places SET announced = $2 WHERE event = $1")
                    .bind(event)
                    .bind(announced)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE signups SET event_day = $2 WHERE event = $1 AND event_day <> $2")
                    .bind(event)
                    .bind(day)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some(n) = notice.filter(|_| mail) {
                let told: Vec<(i64, Option<String>)> = sqlx::query_as(
                    "SELECT id, contact FROM signups \
                     WHERE event = $1 AND status IN ('confirmed', 'waiting') AND came IS NULL ORDER BY id",
                )
                .bind(event)
                .fetch_all(&mut *tx)
                .await?;
                for (id, contact) in &told {
                    queue_mail!(tx, *id, contact, n, None::<&str>, now);
                }
            }
            let moved = if cancelled {
                Vec::new()
            } else {
                settle!(tx, event, cap, now, mail).0
            };
            (notice, moved)
        });
        Ok(out)
    }

    /// Mark how many people of sign-up `id` came, on `date`: the first mark adds one visit
    /// record, a later one corrects that record's size (scanning twice counts once), and 0 takes
    /// the mark and its visit back. A cancelled sign-up or one of another event is refused.
    pub async fn mark_came(
        &self,
        event: &str,
        capacity: Option<i64>,
        id: i64,
        came: i64,
        date: &str,
        now: i64,
    ) -> Result<Signup> {
        Ok(with_event_locked!(self, event, capacity, now, |tx, _cap| {
            let sql = format!("{SELECT_SIGNUP} WHERE id = $1 AND event = $2");
            let row: Option<SignupRow> = sqlx::query_as(&sql)
                .bind(id)
                .bind(event)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(s) = row.map(signup) else {
                return Err(StoreError::Conflict(format!(
                    "sign-up {id} is not one of this event's"
                )));
            };
            if s.status == Status::Cancelled {
                return Err(StoreError::Conflict(format!("sign-up {} was cancelled", s.code)));
            }
            let visit = match (came, s.visit_id) {
                (0, Some(v)) => {
                    sqlx::query("DELETE FROM visits WHERE id = $1")
                        .bind(v)
                        .execute(&mut *tx)
                        .await?;
                    None
                }
                (0, None) => None,
                (n, Some(v)) => {
                    sqlx::query("UPDATE visits SET group_size = $2, updated_at = $3 WHERE id = $1")
                        .bind(v)
                        .bind(n)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    Some(v)
                }
                (n, None) => {
                    let v = crate::signups::visit_of(&s, n, date, crate::visits::Source::Booking);
                    Some(insert_visit!(&mut *tx, &v, now))
                }
            };
            sqlx::query("UPDATE signups SET came = $2, checked_at = $3, visit_id = $4 WHERE id = $1")
                .bind(id)
                .bind((came > 0).then_some(came))
                .bind((came > 0).then_some(now))
                .bind(visit)
                .execute(&mut *tx)
                .await?;
            let row: SignupRow = sqlx::query_as(&format!("{SELECT_SIGNUP} WHERE id = $1"))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            signup(row)
        }))
    }

    /// People who came without signing up: a walk-in line of the event and its visit record,
    /// together. They hold no place.
    pub async fn add_walk_in(&self, s: &NewSignup, date: &str, now: i64) -> Result<Signup> {
        // SQLite: take the write lock first, so that this read-then-write transaction waits for
        // another writer instead of failing with "database is locked".
        let begin = match self {
            Store::Sqlite(_) => "BEGIN IMMEDIATE",
            Store::Postgres(_) => "BEGIN",
        };
        on_pool!(self, p => {
            let mut tx = p.begin_with(begin).await?;
            let code = free_code!(tx);
            let id: i64 = sqlx::query_scalar(INSERT_SIGNUP)
                .bind(&s.event)
                .bind(&s.event_day)
                .bind(&code)
                .bind(None::<String>)
                .bind(s.kind.code())
                .bind(s.people)
                .bind(&s.organisation)
                .bind(&s.grade)
                .bind(&s.name)
                .bind(&s.contact)
                .bind(&s.consent)
                .bind(&s.lang)
                .bind(Status::WalkIn.code())
                .bind(now)
                .bind(s.people)
                .bind(now)
                .bind(None::<i64>)
                .fetch_one(&mut *tx)
                .await?;
            let row: SignupRow = sqlx::query_as(&format!("{SELECT_SIGNUP} WHERE id = $1"))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let w = signup(row);
            let v = crate::signups::visit_of(&w, s.people, date, crate::visits::Source::WalkIn);
            let visit = insert_visit!(&mut *tx, &v, now);
            sqlx::query("UPDATE signups SET visit_id = $2 WHERE id = $1")
                .bind(id)
                .bind(visit)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Signup { visit_id: Some(visit), ..w })
        })
    }

    /// Every sign-up and walk-in of an event, in the order they came in.
    /// Every sign-up that still holds a name or a contact, newest first (a person's request).
    pub async fn signups_with_personal_data(&self) -> Result<Vec<Signup>> {
        let sql = format!("{SELECT_SIGNUP} WHERE name IS NOT NULL OR contact IS NOT NULL ORDER BY id DESC");
        let rows: Vec<SignupRow> = on_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await?);
        Ok(rows.into_iter().map(signup).collect())
    }

    /// Erase the name, contact and consent of these sign-ups (one person's request), all or
    /// none; the places and the counts stay. Returns how many held personal data.
    pub async fn erase_signups_personal_data(&self, ids: &[i64], now: i64) -> Result<u64> {
        self.erase_rows(
            "UPDATE signups SET name = NULL, contact = NULL, consent = NULL, personal_erased_at = $2 \
             WHERE id = $1 AND (name IS NOT NULL OR contact IS NOT NULL OR consent IS NOT NULL)",
            ids,
            now,
        )
        .await
    }

    pub async fn signups_of(&self, event: &str) -> Result<Vec<Signup>> {
        let sql = format!("{SELECT_SIGNUP} WHERE event = $1 ORDER BY id");
        let rows: Vec<SignupRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(event).fetch_all(p).await?);
        Ok(rows.into_iter().map(signup).collect())
    }

    /// The numbers of every event whose first day is in `[from, to]` (ISO days), by day.
    pub async fn event_numbers(&self, from: &str, to: &str) -> Result<Vec<EventNumbers>> {
        const SQL: &str = "SELECT event, MIN(event_day), \
             CAST(COALESCE(SUM(CASE WHEN status = 'confirmed' THEN people ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN status = 'waiting' THEN people ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN status = 'waiting' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(COALESCE(came, 0)), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN came IS NOT NULL AND status <> 'walk_in' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN status = 'walk_in' THEN people ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN status = 'confirmed' AND came IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM signups WHERE event_day >= $1 AND event_day <= $2 GROUP BY event ORDER BY MIN(event_day), event";
        type Row = (String, String, i64, i64, i64, i64, i64, i64, i64, i64, i64);
        let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(SQL).bind(from).bind(to).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|r| EventNumbers {
                event: r.0,
                event_day: r.1,
                confirmed: r.2,
                confirmed_signups: r.3,
                waiting: r.4,
                waiting_signups: r.5,
                cancelled_signups: r.6,
                came: r.7,
                came_signups: r.8,
                walk_ins: r.9,
                not_marked: r.10,
            })
            .collect())
    }

    /// Erase the names and contacts of sign-ups for events before `before` (an ISO day); the
    /// counts stay. Returns how many were erased.
    pub async fn erase_signup_personal_data_before(&self, before: &str, now: i64) -> Result<u64> {
        const SQL: &str = "UPDATE signups SET name = NULL, contact = NULL, consent = NULL, personal_erased_at = $2 \
             WHERE event_day < $1 AND (name IS NOT NULL OR contact IS NOT NULL)";
        Ok(on_pool!(self, p => sqlx::query(SQL).bind(before).bind(now).execute(p).await?.rows_affected()))
    }
}
