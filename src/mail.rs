// E-mail about event sign-ups: which contacts are e-mail addresses, what a notice is, and when a
// failed mail is tried again. Sending is the server's (serve::mail); the queue is the store's
// (store::mail), written in the same transaction as the change it tells about.

use std::str::FromStr;

/// What a mail tells the person who signed up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Signed up with places.
    Confirmed,
    /// Signed up on the waiting list.
    Waiting,
    /// Moved up from the waiting list: the places are theirs now.
    MovedUp,
    /// Cancelled (by the person, through their link).
    Cancelled,
    /// The museum cancelled the event.
    EventCancelled,
    /// The museum moved the event to another time or place.
    EventMoved,
}

impl Notice {
    pub fn code(self) -> &'static str {
        match self {
            Notice::Confirmed => "confirmed",
            Notice::Waiting => "waiting",
            Notice::MovedUp => "moved_up",
            Notice::Cancelled => "cancelled",
            Notice::EventCancelled => "event_cancelled",
            Notice::EventMoved => "event_moved",
        }
    }

    pub fn parse(s: &str) -> Option<Notice> {
        [
            Notice::Confirmed,
            Notice::Waiting,
            Notice::MovedUp,
            Notice::Cancelled,
            Notice::EventCancelled,
            Notice::EventMoved,
        ]
        .into_iter()
        .find(|n| n.code() == s)
    }
}

/// `Name <address>` or a bare address, as `[mail] from` and `reply_to` are written.
pub fn mailbox(text: &str) -> Option<lettre::message::Mailbox> {
    lettre::message::Mailbox::from_str(text.trim()).ok()
}

/// The e-mail address in a contact field, when it is one (a contact can also be a phone number).
pub fn address_of(contact: &str) -> Option<lettre::Address> {
    let c = contact.trim();
    if !c.contains('@') || c.contains(char::is_whitespace) {
        return None;
    }
    lettre::Address::from_str(c).ok()
}

/// Whether a PEM file (`ca_file` of `[mail]` or `[server]`) holds certificates TLS can trust, as
/// the connection will read them: the reason when it does not.
pub fn check_ca_pem(pem: &[u8]) -> Result<(), String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("it is not a PEM file ({e})"))?;
    if certs.is_empty() {
        return Err("it holds no certificate (-----BEGIN CERTIFICATE-----)".into());
    }
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| format!("a certificate in it cannot be read ({e})"))?;
    }
    Ok(())
}

/// Seconds to wait before trying a mail again after `attempts` failures; None: give up.
/// About a day in all, for a mail server down for maintenance or a full mailbox.
pub fn retry_after(attempts: i64) -> Option<i64> {
    const WAITS: [i64; 6] = [60, 300, 1_800, 7_200, 21_600, 43_200];
    usize::try_from(attempts.max(1) - 1)
        .ok()
        .and_then(|i| WAITS.get(i).copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_must_hold_certificates_tls_can_read() {
        let none = check_ca_pem(b"not a certificate\n").unwrap_err();
        assert!(none.contains("holds no certificate"), "{none}");
        // The header is there, the body is not a certificate.
        let broken = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let why = check_ca_pem(broken).unwrap_err();
        assert!(why.contains("cannot be read"), "{why}");
    }

    #[test]
    fn contacts_that_are_addresses() {
        assert!(address_of(" lan.nguyen@truong.edu.vn ").is_some());
        assert!(
            address_of("nguyễn@ví-dụ.vn").is_some(),
            "internationalised addresses are addresses"
        );
        for not in [
            "0912 345 678",
            "+84912345678",
            "lan@",
            "@x.vn",
            "lan nguyen@x.vn",
            "",
            "Zalo: lan",
        ] {
            assert!(address_of(not).is_none(), "{not:?} is not an address");
        }
    }

    #[test]
    fn senders_with_names() {
        let m = mailbox("Bảo tàng Ninh Bình <baotang@ninhbinh.gov.vn>").unwrap();
        assert_eq!(m.email.to_string(), "baotang@ninhbinh.gov.vn");
        assert_eq!(m.name.as_deref(), Some("Bảo tàng Ninh Bình"));
        assert!(mailbox("baotang@ninhbinh.gov.vn").is_some());
        assert!(mailbox("Bảo tàng").is_none());
    }

    #[test]
    fn notices_round_trip_and_retries_end() {
        for n in [
            Notice::Confirmed,
            Notice::Waiting,
            Notice::MovedUp,
            Notice::Cancelled,
            Notice::EventCancelled,
            Notice::EventMoved,
        ] {
            assert_eq!(Notice::parse(n.code()), Some(n));
        }
        assert_eq!(Notice::parse("sent"), None);
        assert_eq!(retry_after(1), Some(60));
        assert!(retry_after(2) > retry_after(1));
        assert_eq!(retry_after(7), None);
        let total: i64 = (1..=6).filter_map(retry_after).sum();
        assert!(
            (60_000..100_000).contains(&total),
            "about a day of retries, got {total} s"
        );
    }
}
