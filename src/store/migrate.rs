// Versioned schema migrations, one list per dialect, each applied once in its own transaction
// and recorded in `vitrine_migrations`. A newer database than this binary knows is refused.
// Never edit a released migration: add the next one.

use super::{Result, Store, StoreError};

/// (version, SQL statements separated by `;`) for SQLite.
const SQLITE: &[(i64, &str)] = &[
    (
        1,
        "CREATE TABLE page_hits (
        id INTEGER PRIMARY KEY,
        object_id TEXT NOT NULL,
        at BIGINT NOT NULL,
        lang TEXT NOT NULL,
        device TEXT NOT NULL,
        via_qr BOOLEAN NOT NULL
    );
    CREATE INDEX page_hits_at ON page_hits (at);
    CREATE TABLE visits (
        id INTEGER PRIMARY KEY,
        visit_date TEXT NOT NULL,
        visitor_type TEXT NOT NULL,
        purpose TEXT NOT NULL,
        group_size BIGINT NOT NULL CHECK (group_size BETWEEN 1 AND 10000),
        organisation TEXT NOT NULL DEFAULT '',
        grade TEXT NOT NULL DEFAULT '',
        origin TEXT NOT NULL DEFAULT '',
        name TEXT,
        contact TEXT,
        consent TEXT,
        source TEXT NOT NULL,
        lang TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        personal_erased_at BIGINT
    );
    CREATE INDEX visits_date ON visits (visit_date)",
    ),
    (
        2,
        "CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        disabled BOOLEAN NOT NULL DEFAULT FALSE,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    );
    CREATE INDEX sessions_expires ON sessions (expires_at);
    CREATE INDEX sessions_user ON sessions (user_id)",
    ),
    (
        3,
        "CREATE TABLE assignments (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        programme TEXT NOT NULL,
        teacher_id BIGINT NOT NULL REFERENCES users (id),
        class_name TEXT NOT NULL,
        school TEXT NOT NULL,
        opens TEXT NOT NULL,
        closes TEXT NOT NULL,
        show_answers BOOLEAN NOT NULL,
        stops BIGINT NOT NULL,
        reached BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        erased_at BIGINT
    );
    CREATE INDEX assignments_teacher ON assignments (teacher_id);
    CREATE INDEX assignments_opens ON assignments (opens);
    CREATE TABLE students (
        id INTEGER PRIMARY KEY,
        assignment_id BIGINT NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
        display_name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        lang TEXT NOT NULL,
        joined_at BIGINT NOT NULL,
        submitted_at BIGINT,
        UNIQUE (assignment_id, display_name)
    );
    CREATE TABLE answers (
        student_id BIGINT NOT NULL REFERENCES students (id) ON DELETE CASCADE,
        stop BIGINT NOT NULL,
        answer TEXT NOT NULL,
        correct BOOLEAN,
        answered_at BIGINT NOT NULL,
        PRIMARY KEY (student_id, stop)
    )",
    ),
    (
        4,
        "CREATE TABLE publishes (
        id INTEGER PRIMARY KEY,
        at BIGINT NOT NULL,
        account_id BIGINT,
        username TEXT NOT NULL,
        action TEXT NOT NULL,
        snapshot TEXT NOT NULL,
        changes TEXT NOT NULL,
        millis BIGINT NOT NULL
    )",
    ),
    (
        5,
        "CREATE TABLE event_places (
        event TEXT PRIMARY KEY,
        capacity BIGINT,
        updated_at BIGINT NOT NULL
    );
    CREATE TABLE signups (
        id INTEGER PRIMARY KEY,
        event TEXT NOT NULL,
        event_day TEXT NOT NULL,
        code TEXT NOT NULL UNIQUE,
        token_hash TEXT UNIQUE,
        kind TEXT NOT NULL,
        people BIGINT NOT NULL CHECK (people BETWEEN 1 AND 10000),
        organisation TEXT NOT NULL DEFAULT '',
        grade TEXT NOT NULL DEFAULT '',
        name TEXT,
        contact TEXT,
        consent TEXT,
        lang TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        moved_up_at BIGINT,
        cancelled_at BIGINT,
        came BIGINT,
        checked_at BIGINT,
        visit_id BIGINT REFERENCES visits (id) ON DELETE SET NULL,
        personal_erased_at BIGINT
    );
    CREATE INDEX signups_event ON signups (event, status, id);
    CREATE INDEX signups_day ON signups (event_day)",
    ),
    (
        6,
        "CREATE TABLE contest_entries (
        id INTEGER PRIMARY KEY,
        contest TEXT NOT NULL,
        round BIGINT NOT NULL,
        person_hash TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        name TEXT,
        school TEXT NOT NULL,
        grade BIGINT,
        birth_year BIGINT,
        contact TEXT,
        consent TEXT,
        drawn TEXT NOT NULL,
        answers TEXT,
        score BIGINT,
        total BIGINT NOT NULL DEFAULT 0,
        prediction BIGINT,
        started_ms BIGINT NOT NULL,
        deadline_ms BIGINT NOT NULL,
        submitted_ms BIGINT,
        lang TEXT NOT NULL,
        personal_erased_at BIGINT,
        UNIQUE (contest, round, person_hash)
    );
    CREATE INDEX contest_entries_submitted ON contest_entries (submitted_ms)",
    ),
    (
        7,
        "CREATE TABLE mail_outbox (
        id INTEGER PRIMARY KEY,
        signup_id BIGINT NOT NULL REFERENCES signups (id) ON DELETE CASCADE,
        notice TEXT NOT NULL,
        link TEXT,
        created_at BIGINT NOT NULL,
        attempts BIGINT NOT NULL DEFAULT 0,
        next_at BIGINT NOT NULL,
        last_error TEXT
    );
    CREATE INDEX mail_outbox_due ON mail_outbox (next_at, id)",
    ),
    (8, "ALTER TABLE event_places ADD COLUMN announced TEXT"),
    (
        9,
        "CREATE TABLE contest_results (
        contest TEXT NOT NULL,
        round BIGINT NOT NULL,
        published_at BIGINT NOT NULL,
        published_by TEXT NOT NULL,
        PRIMARY KEY (contest, round)
    )",
    ),
    (
        10,
        "CREATE TABLE institutions (
        code TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        level TEXT NOT NULL,
        name_vi TEXT NOT NULL,
        name_en TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT '',
        contact TEXT NOT NULL DEFAULT '',
        site_url TEXT NOT NULL DEFAULT '',
        report_key TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
    );
    CREATE TABLE province_reports (
        id INTEGER PRIMARY KEY,
        institution TEXT NOT NULL REFERENCES institutions (code),
        year BIGINT NOT NULL,
        version BIGINT NOT NULL,
        source TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        received_by TEXT NOT NULL,
        document TEXT NOT NULL,
        UNIQUE (institution, year, version)
    );
    CREATE TABLE report_nonces (
        institution TEXT NOT NULL,
        nonce TEXT NOT NULL,
        at BIGINT NOT NULL,
        PRIMARY KEY (institution, nonce)
    );
    CREATE TABLE portal_sources (
        institution TEXT PRIMARY KEY REFERENCES institutions (code),
        body TEXT,
        fetched_at BIGINT,
        tried_at BIGINT NOT NULL,
        error TEXT
    )",
    ),
    (11, "ALTER TABLE users ADD COLUMN institution TEXT"),
];

/// The same schema for PostgreSQL.
const POSTGRES: &[(i64, &str)] = &[
    (
        1,
        "CREATE TABLE page_hits (
        id BIGSERIAL PRIMARY KEY,
        object_id TEXT NOT NULL,
        at BIGINT NOT NULL,
        lang TEXT NOT NULL,
        device TEXT NOT NULL,
        via_qr BOOLEAN NOT NULL
    );
    CREATE INDEX page_hits_at ON page_hits (at);
    CREATE TABLE visits (
        id BIGSERIAL PRIMARY KEY,
        visit_date TEXT NOT NULL,
        visitor_type TEXT NOT NULL,
        purpose TEXT NOT NULL,
        group_size BIGINT NOT NULL CHECK (group_size BETWEEN 1 AND 10000),
        organisation TEXT NOT NULL DEFAULT '',
        grade TEXT NOT NULL DEFAULT '',
        origin TEXT NOT NULL DEFAULT '',
        name TEXT,
        contact TEXT,
        consent TEXT,
        source TEXT NOT NULL,
        lang TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        personal_erased_at BIGINT
    );
    CREATE INDEX visits_date ON visits (visit_date)",
    ),
    (
        2,
        "CREATE TABLE users (
        id BIGSERIAL PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        disabled BOOLEAN NOT NULL DEFAULT FALSE,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    );
    CREATE INDEX sessions_expires ON sessions (expires_at);
    CREATE INDEX sessions_user ON sessions (user_id)",
    ),
    (
        3,
        "CREATE TABLE assignments (
        id BIGSERIAL PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        programme TEXT NOT NULL,
        teacher_id BIGINT NOT NULL REFERENCES users (id),
        class_name TEXT NOT NULL,
        school TEXT NOT NULL,
        opens TEXT NOT NULL,
        closes TEXT NOT NULL,
        show_answers BOOLEAN NOT NULL,
        stops BIGINT NOT NULL,
        reached BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        erased_at BIGINT
    );
    CREATE INDEX assignments_teacher ON assignments (teacher_id);
    CREATE INDEX assignments_opens ON assignments (opens);
    CREATE TABLE students (
        id BIGSERIAL PRIMARY KEY,
        assignment_id BIGINT NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
        display_name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        lang TEXT NOT NULL,
        joined_at BIGINT NOT NULL,
        submitted_at BIGINT,
        UNIQUE (assignment_id, display_name)
    );
    CREATE TABLE answers (
        student_id BIGINT NOT NULL REFERENCES students (id) ON DELETE CASCADE,
        stop BIGINT NOT NULL,
        answer TEXT NOT NULL,
        correct BOOLEAN,
        answered_at BIGINT NOT NULL,
        PRIMARY KEY (student_id, stop)
    )",
    ),
    (
        4,
        "CREATE TABLE publishes (
        id BIGSERIAL PRIMARY KEY,
        at BIGINT NOT NULL,
        account_id BIGINT,
        username TEXT NOT NULL,
        action TEXT NOT NULL,
        snapshot TEXT NOT NULL,
        changes TEXT NOT NULL,
        millis BIGINT NOT NULL
    )",
    ),
    (
        5,
        "CREATE TABLE event_places (
        event TEXT PRIMARY KEY,
        capacity BIGINT,
        updated_at BIGINT NOT NULL
    );
    CREATE TABLE signups (
        id BIGSERIAL PRIMARY KEY,
        event TEXT NOT NULL,
        event_day TEXT NOT NULL,
        code TEXT NOT NULL UNIQUE,
        token_hash TEXT UNIQUE,
        kind TEXT NOT NULL,
        people BIGINT NOT NULL CHECK (people BETWEEN 1 AND 10000),
        organisation TEXT NOT NULL DEFAULT '',
        grade TEXT NOT NULL DEFAULT '',
        name TEXT,
        contact TEXT,
        consent TEXT,
        lang TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        moved_up_at BIGINT,
        cancelled_at BIGINT,
        came BIGINT,
        checked_at BIGINT,
        visit_id BIGINT REFERENCES visits (id) ON DELETE SET NULL,
        personal_erased_at BIGINT
    );
    CREATE INDEX signups_event ON signups (event, status, id);
    CREATE INDEX signups_day ON signups (event_day)",
    ),
    (
        6,
        "CREATE TABLE contest_entries (
        id BIGSERIAL PRIMARY KEY,
        contest TEXT NOT NULL,
        round BIGINT NOT NULL,
        person_hash TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        name TEXT,
        school TEXT NOT NULL,
        grade BIGINT,
        birth_year BIGINT,
        contact TEXT,
        consent TEXT,
        drawn TEXT NOT NULL,
        answers TEXT,
        score BIGINT,
        total BIGINT NOT NULL DEFAULT 0,
        prediction BIGINT,
        started_ms BIGINT NOT NULL,
        deadline_ms BIGINT NOT NULL,
        submitted_ms BIGINT,
        lang TEXT NOT NULL,
        personal_erased_at BIGINT,
        UNIQUE (contest, round, person_hash)
    );
    CREATE INDEX contest_entries_submitted ON contest_entries (submitted_ms)",
    ),
    (
        7,
        "CREATE TABLE mail_outbox (
        id BIGSERIAL PRIMARY KEY,
        signup_id BIGINT NOT NULL REFERENCES signups (id) ON DELETE CASCADE,
        notice TEXT NOT NULL,
        link TEXT,
        created_at BIGINT NOT NULL,
        attempts BIGINT NOT NULL DEFAULT 0,
        next_at BIGINT NOT NULL,
        last_error TEXT
    );
    CREATE INDEX mail_outbox_due ON mail_outbox (next_at, id)",
    ),
    (8, "ALTER TABLE event_places ADD COLUMN announced TEXT"),
    (
        9,
        "CREATE TABLE contest_results (
        contest TEXT NOT NULL,
        round BIGINT NOT NULL,
        published_at BIGINT NOT NULL,
        published_by TEXT NOT NULL,
        PRIMARY KEY (contest, round)
    )",
    ),
    (
        10,
        "CREATE TABLE institutions (
        code TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        level TEXT NOT NULL,
        name_vi TEXT NOT NULL,
        name_en TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT '',
        contact TEXT NOT NULL DEFAULT '',
        site_url TEXT NOT NULL DEFAULT '',
        report_key TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
    );
    CREATE TABLE province_reports (
        id BIGSERIAL PRIMARY KEY,
        institution TEXT NOT NULL REFERENCES institutions (code),
        year BIGINT NOT NULL,
        version BIGINT NOT NULL,
        source TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        received_by TEXT NOT NULL,
        document TEXT NOT NULL,
        UNIQUE (institution, year, version)
    );
    CREATE TABLE report_nonces (
        institution TEXT NOT NULL,
        nonce TEXT NOT NULL,
        at BIGINT NOT NULL,
        PRIMARY KEY (institution, nonce)
    );
    CREATE TABLE portal_sources (
        institution TEXT PRIMARY KEY REFERENCES institutions (code),
        body TEXT,
        fetched_at BIGINT,
        tried_at BIGINT NOT NULL,
        error TEXT
    )",
    ),
    (11, "ALTER TABLE users ADD COLUMN institution TEXT"),
];

pub async fn run(store: &Store) -> Result<()> {
    match store {
        Store::Sqlite(p) => {
            let mut tx = p.begin().await?;
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS vitrine_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            let current: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM vitrine_migrations")
                .fetch_one(p)
                .await?;
            check_known(current, SQLITE)?;
            for (v, sql) in SQLITE.iter().filter(|(v, _)| Some(*v) > current) {
                let mut tx = p.begin().await?;
                for stmt in statements(sql) {
                    sqlx::query(stmt).execute(&mut *tx).await?;
                }
                sqlx::query("INSERT INTO vitrine_migrations (version, applied_at) VALUES ($1, $2)")
                    .bind(v)
                    .bind(crate::visits::now())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
        }
        Store::Postgres(p) => {
            // One transaction holding an advisory lock: several servers starting at once against
            // one database migrate it once.
            let mut tx = p.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock(7305420917)")
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS vitrine_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
            )
            .execute(&mut *tx)
            .await?;
            let current: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM vitrine_migrations")
                .fetch_one(&mut *tx)
                .await?;
            check_known(current, POSTGRES)?;
            for (v, sql) in POSTGRES.iter().filter(|(v, _)| Some(*v) > current) {
                for stmt in statements(sql) {
                    sqlx::query(stmt).execute(&mut *tx).await?;
                }
                sqlx::query("INSERT INTO vitrine_migrations (version, applied_at) VALUES ($1, $2)")
                    .bind(v)
                    .bind(crate::visits::now())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
    }
    Ok(())
}

fn statements(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(';').map(str::trim).filter(|s| !s.is_empty())
}

fn check_known(current: Option<i64>, known: &[(i64, &str)]) -> Result<()> {
    let latest = known.last().map(|(v, _)| *v).unwrap_or(0);
    match current {
        Some(c) if c > latest => Err(StoreError::Schema(format!(
            "the database is at schema version {c}, newer than this vitrine knows ({latest}); upgrade vitrine"
        ))),
        _ => Ok(()),
    }
}
