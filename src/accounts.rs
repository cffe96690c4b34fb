// Staff, manager and teacher accounts: roles, password rules and hashing (argon2id), session
// tokens. No HTTP and no SQL here: the server checks roles with `Role::allows`, the store keeps
// only password hashes and keyed hashes of session tokens, never the secrets themselves.

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// What an account may do. A manager can do everything staff and curators can, and also hand in
/// the report, export records with personal data and erase a person's data. Teachers see only
/// their classes; curators edit and publish the exhibitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Role {
    Staff,
    Manager,
    Teacher,
    Curator,
    /// The Department's server: an institution's reporting account, which fills in that
    /// institution's yearly form and nothing else.
    Reporter,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::Staff,
        Role::Manager,
        Role::Teacher,
        Role::Curator,
        Role::Reporter,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Manager => "manager",
            Role::Teacher => "teacher",
            Role::Curator => "curator",
            Role::Reporter => "reporter",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.code() == s)
    }

    /// Whether an account with this role may use a route that needs `need`.
    pub fn allows(self, need: Role) -> bool {
        self == need || (self == Role::Manager && matches!(need, Role::Staff | Role::Curator))
    }
}

/// An account as the server sees it once signed in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccountError {
    #[error(
        "a user name is 3 to 40 characters: lower-case letters a–z, digits, '.', '_' or '-' (for example: lan.nguyen)"
    )]
    BadUsername,
    #[error("a password must be at least {MIN_PASSWORD} characters long")]
    ShortPassword,
    #[error("a password must be at most {MAX_PASSWORD} characters long")]
    LongPassword,
    #[error("the role must be staff, manager, teacher, curator or reporter")]
    BadRole,
}

pub const MIN_PASSWORD: usize = 10;
/// Argon2 hashes anything, but a megabyte "password" is an attack, not a person.
pub const MAX_PASSWORD: usize = 128;

/// The user name as stored: trimmed and lower case, or why it is refused.
pub fn normalise_username(s: &str) -> Result<String, AccountError> {
    let u = s.trim().to_lowercase();
    let ok = (3..=40).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c));
    if ok { Ok(u) } else { Err(AccountError::BadUsername) }
}

pub fn check_password(pw: &str) -> Result<(), AccountError> {
    let n = pw.chars().count();
    if n < MIN_PASSWORD {
        Err(AccountError::ShortPassword)
    } else if n > MAX_PASSWORD {
        Err(AccountError::LongPassword)
    } else {
        Ok(())
    }
}

/// An argon2id hash in PHC format (salt and parameters included). Slow by design (about 50 ms
/// here): call it off the async runtime.
pub fn hash_password(pw: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pw.as_bytes(), &salt)
        .map(|h| h.to_string())
        // Only fails for parameters or salts out of range, which the defaults are not.
        .unwrap_or_default()
}

/// Whether `pw` matches `hash`. A malformed hash never matches.
pub fn verify_password(hash: &str, pw: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(h) => Argon2::default().verify_password(pw.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// Spend the time of one verification when there is no such user, so that a login's duration
/// does not tell whether a user name exists.
pub fn verify_nobody(pw: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let h = DUMMY.get_or_init(|| hash_password("not a real password, only spends time"));
    let _ = verify_password(h, pw);
}

/// 32 random bytes from the OS.
pub fn random_key() -> [u8; 32] {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    b
}

/// A new random secret, hex-encoded: session tokens, CSRF tokens.
pub fn new_token() -> String {
    random_key().iter().map(|x| format!("{x:02x}")).collect()
}

/// What the store keeps of a session token: its hash keyed with the server secret, so that a
/// copy of the database does not let anyone sign in.
pub fn token_hash(secret: &[u8; 32], token: &str) -> String {
    blake3::keyed_hash(secret, token.as_bytes()).to_hex().to_string()
}

/// Equality that takes the same time wherever the strings differ (CSRF tokens).
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password(&h, "correct horse battery"));
        assert!(!verify_password(&h, "correct horse batterY"));
        assert!(!verify_password("not a hash", "x"));
        // Salted: the same password never gives the same hash.
        assert_ne!(h, hash_password("correct horse battery"));
    }

    #[test]
    fn user_names_and_passwords_are_checked() {
        assert_eq!(normalise_username(" Lan.Nguyen "), Ok("lan.nguyen".into()));
        assert_eq!(normalise_username("ab"), Err(AccountError::BadUsername));
        assert_eq!(normalise_username("lan nguyen"), Err(AccountError::BadUsername));
        assert_eq!(normalise_username("lâm"), Err(AccountError::BadUsername));
        assert_eq!(check_password("short"), Err(AccountError::ShortPassword));
        assert_eq!(check_password(&"x".repeat(129)), Err(AccountError::LongPassword));
        assert!(check_password("mười ký tự đây").is_ok());
    }

    #[test]
    fn roles_nest_only_manager_over_staff() {
        assert!(Role::Manager.allows(Role::Staff));
        assert!(Role::Staff.allows(Role::Staff));
        assert!(!Role::Staff.allows(Role::Manager));
        assert!(!Role::Teacher.allows(Role::Staff));
        assert!(!Role::Manager.allows(Role::Teacher));
        assert!(Role::Manager.allows(Role::Curator));
        assert!(!Role::Curator.allows(Role::Staff));
        assert!(!Role::Staff.allows(Role::Curator));
        assert_eq!(Role::parse("curator"), Some(Role::Curator));
        assert_eq!(Role::parse("manager"), Some(Role::Manager));
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn tokens_are_random_and_compared_in_full() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &b));
        assert!(!same_secret(&a, &a[..63]));
        let k = [7u8; 32];
        assert_eq!(token_hash(&k, &a), token_hash(&k, &a));
        assert_ne!(token_hash(&k, &a), token_hash(&[8u8; 32], &a));
    }
}
