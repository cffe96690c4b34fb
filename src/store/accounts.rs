// Accounts and sessions in the store. Only password hashes and keyed hashes of session tokens are
// kept; a session row carries its CSRF token so that every staff form can be checked against it.

use super::{Result, Store, StoreError};
use crate::accounts::{Account, Role};

type AccountRow = (i64, String, String, String);

fn account((id, username, display_name, role): AccountRow) -> Option<Account> {
    Some(Account {
        id,
        username,
        display_name,
        role: Role::parse(&role)?,
    })
}

/// An account that signs in with a password.
pub struct Login {
    pub account: Account,
    pub password_hash: String,
    pub disabled: bool,
}

impl Store {
    /// Create an account; `Conflict` when the user name is taken.
    pub async fn add_user(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        password_hash: &str,
        now: i64,
    ) -> Result<i64> {
        const SQL: &str = "INSERT INTO users (username, display_name, role, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id";
        let r: std::result::Result<i64, sqlx::Error> = on_pool!(self, p => sqlx::query_scalar(SQL)
            .bind(username)
            .bind(display_name)
            .bind(role.code())
            .bind(password_hash)
            .bind(now)
            .fetch_one(p)
            .await);
        match r {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict(format!(
                "there is already a user named {username}"
            ))),
            r => Ok(r?),
        }
    }

    /// Replace a password (and sign the account out everywhere); false when there is no such user.
    pub async fn set_password(&self, username: &str, password_hash: &str, now: i64) -> Result<bool> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE users SET password_hash = $1, updated_at = $2 WHERE username = $3")
            .bind(password_hash).bind(now).bind(username).execute(p).await?.rows_affected());
        self.end_sessions_of(username).await?;
        Ok(n == 1)
    }

    /// Disable or re-enable an account; disabling signs it out everywhere.
    pub async fn set_disabled(&self, username: &str, disabled: bool, now: i64) -> Result<bool> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE users SET disabled = $1, updated_at = $2 WHERE username = $3")
            .bind(disabled).bind(now).bind(username).execute(p).await?.rows_affected());
        if disabled {
            self.end_sessions_of(username).await?;
        }
        Ok(n == 1)
    }

    async fn end_sessions_of(&self, username: &str) -> Result<()> {
        on_pool!(self, p => sqlx::query(
            "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = $1)")
            .bind(username).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Every account with whether it is disabled, by user name.
    pub async fn users(&self) -> Result<Vec<(Account, bool)>> {
        let rows: Vec<(i64, String, String, String, bool)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, username, display_name, role, disabled FROM users ORDER BY username")
            .fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .filter_map(|(i, u, d, r, dis)| Some((account((i, u, d, r))?, dis)))
            .collect())
    }

    pub async fn login(&self, username: &str) -> Result<Option<Login>> {
        let row: Option<(i64, String, String, String, String, bool)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, username, display_name, role, password_hash, disabled FROM users WHERE username = $1")
            .bind(username).fetch_optional(p).await?);
        Ok(row.and_then(|(i, u, d, r, hash, disabled)| {
            Some(Login {
                account: account((i, u, d, r))?,
                password_hash: hash,
                disabled,
            })
        }))
    }

    pub async fn add_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash).bind(user_id).bind(csrf).bind(now).bind(expires_at).execute(p).await?.rows_affected());
        Ok(())
    }

    /// The account and CSRF token of a live session of an enabled account.
    pub async fn session(&self, token_hash: &str, now: i64) -> Result<Option<(Account, String)>> {
        let row: Option<(i64, String, String, String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT u.id, u.username, u.display_name, u.role, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled")
            .bind(token_hash).bind(now).fetch_optional(p).await?);
        Ok(row.and_then(|(i, u, d, r, csrf)| Some((account((i, u, d, r))?, csrf))))
    }

    pub async fn end_session(&self, token_hash: &str) -> Result<()> {
        on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Forget sessions that have expired; returns how many.
    pub async fn end_expired_sessions(&self, now: i64) -> Result<u64> {
        Ok(
            on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now).execute(p).await?.rows_affected()),
        )
    }

    /// Link a reporting account to its institution (the Department's server); false when there is
    /// no such user.
    pub async fn set_user_institution(&self, username: &str, code: &str, now: i64) -> Result<bool> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE users SET institution = $1, updated_at = $2 WHERE username = $3")
            .bind(code).bind(now).bind(username).execute(p).await?.rows_affected());
        Ok(n == 1)
    }

    /// The institution a reporting account reports for.
    pub async fn user_institution(&self, user_id: i64) -> Result<Option<String>> {
        let r: Option<Option<String>> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT institution FROM users WHERE id = $1")
            .bind(user_id).fetch_optional(p).await?);
        Ok(r.flatten())
    }
}
