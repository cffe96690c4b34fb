// Sending the queued event e-mails through the SMTP server of `[mail]`. One task drains the
// outbox: woken by a sign-up or a cancellation, and once a minute for retries. Each mail is
// composed when it is sent, in the language the person signed up in, from the sign-up as it is
// then (an erased contact is never mailed). The log names sign-ups by number and failures by
// category: never an address, and never the server's reply, which may quote one.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::AppState;
use crate::content::{Lang, MailConfig, MailSecurity};
use crate::mail::Notice;
use crate::signups::Signup;

/// Mails sent per pass; the rest wait for the next one.
const BATCH: i64 = 50;
/// A queued mail older than this is dropped unsent (see `Store::drop_stale_mail`).
const STALE_SECONDS: i64 = 3 * 24 * 3600;

/// The connection to the SMTP server, and the bell that wakes the sending task.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    wake: tokio::sync::Notify,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// The mailer for a checked `[mail]`; the password is read from its environment variable.
    pub fn new(c: &MailConfig) -> Result<Mailer, String> {
        let tls = || -> Result<TlsParameters, String> {
            let mut b = TlsParameters::builder(c.host.clone());
            if let Some(ca) = &c.ca_file {
                let pem = std::fs::read(ca).map_err(|e| format!("[mail] ca_file {}: {e}", ca.display()))?;
                let cert = Certificate::from_pem(&pem)
                    .map_err(|e| format!("[mail] ca_file {} is not a PEM certificate: {e}", ca.display()))?;
                b = b.add_root_certificate(cert);
            }
            b.build_rustls().map_err(|e| format!("[mail] TLS: {e}"))
        };
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(c.host.as_str())
            .port(c.port)
            .timeout(Some(Duration::from_secs(30)))
            .tls(match c.security {
                MailSecurity::StartTls => Tls::Required(tls()?),
                MailSecurity::Tls => Tls::Wrapper(tls()?),
                MailSecurity::None => Tls::None,
            });
        if let Some(user) = &c.user {
            let password = std::env::var(&c.password_env).unwrap_or_default();
            if password.is_empty() {
                return Err(format!(
                    "[mail] user is set but the environment variable {} (the SMTP password) is empty",
                    c.password_env
                ));
            }
            b = b.credentials(Credentials::new(user.clone(), password));
        }
        let mailbox = |text: &str| {
            crate::mail::mailbox(text).ok_or_else(|| format!("[mail] \"{text}\" is not an e-mail address"))
        };
        Ok(Mailer {
            transport: b.build(),
            from: mailbox(&c.from)?,
            reply_to: c.reply_to.as_deref().map(mailbox).transpose()?,
            wake: tokio::sync::Notify::new(),
        })
    }

    /// Tell the sending task that mail was queued.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Start the sending task when `[mail]` is configured.
pub fn start(state: &AppState) -> Option<tokio::task::JoinHandle<()>> {
    let mailer = state.mail.clone()?;
    let state = state.clone();
    Some(tokio::spawn(async move {
        // At start every queued mail is tried once, even one waiting for its next try: a restart
        // is often what follows fixing the mail settings.
        // After that, what is due when the pass starts: the time is read after the wait, or a
        // mail queued during the wait would be left for the next minute's pass.
        let mut until = i64::MAX;
        loop {
            send_due(&state, &mailer, until).await;
            tokio::select! {
                _ = mailer.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            }
            until = crate::visits::now();
        }
    }))
}

/// Send every mail due by `until` (unix seconds); returns how many were sent.
pub async fn send_due(state: &AppState, mailer: &Arc<Mailer>, mut until: i64) -> usize {
    let now = crate::visits::now();
    match state.store.drop_stale_mail(now - STALE_SECONDS).await {
        Ok(0) => {}
        Ok(n) => eprintln!("vitrine: dropped {n} queued mail(s) older than three days, never sent"),
        Err(e) => eprintln!("vitrine: reading the mail queue failed: {e}"),
    }
    let mut sent = 0;
    loop {
        let due = match state.store.due_mail(until, BATCH).await {
            Ok(d) => d,
            Err(e) => {
                eprintln!("vitrine: reading the mail queue failed: {e}");
                return sent;
            }
        };
        let full = due.len() as i64 == BATCH;
        let before = sent;
        for m in due {
            if send_one(state, mailer, &m).await {
                sent += 1;
            }
        }
        // A whole batch sent nothing (the mail server or the database is failing): the rest waits
        // for the next pass rather than being read again at once.
        if !full || sent == before {
            return sent;
        }
        // Mails that failed are due again later, not in this pass.
        until = until.min(crate::visits::now());
    }
}

/// Send one queued mail, or give it up, or schedule its next try. True when sent.
async fn send_one(state: &AppState, mailer: &Mailer, m: &crate::store::Outgoing) -> bool {
    let done = |why: Option<&str>| {
        if let Some(why) = why {
            eprintln!("vitrine: the mail of sign-up {} is not sent: {why}", m.signup_id);
        }
        state.store.mail_done(m.id)
    };
    let signup = match state.store.signup(m.signup_id).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "vitrine: reading sign-up {} for its mail failed: {e}",
                m.signup_id
            );
            return false;
        }
    };
    let to = signup
        .as_ref()
        .and_then(|s| s.contact.as_deref())
        .and_then(crate::mail::address_of);
    let events = state.events();
    let event = signup.as_ref().and_then(|s| events.get(&s.event));
    let (Some(s), Some(to), Some(e)) = (&signup, to, event) else {
        let _ = done(Some("its contact was erased or its event removed")).await;
        return false;
    };
    // The event's calendar file as the live site has it, attached to a mail that gives places.
    let has_places = match m.notice {
        Notice::Confirmed | Notice::MovedUp => true,
        Notice::EventMoved => s.status == crate::signups::Status::Confirmed,
        _ => false,
    };
    let calendar = match has_places {
        true => {
            let lang = Lang::parse(&s.lang).unwrap_or(Lang::Vi);
            let path = format!("/{}su-kien/{}.ics", lang.prefix(), e.slug);
            match state.site().lookup(&path) {
                super::files::Lookup::Found(f) => f.bytes().await.ok(),
                _ => None,
            }
        }
        _ => None,
    };
    let message = match compose(state, mailer, s, e, m, to, calendar) {
        Ok(msg) => msg,
        Err(why) => {
            let _ = done(Some(&why)).await;
            return false;
        }
    };
    match mailer.transport.send(message).await {
        Ok(_) => {
            eprintln!(
                "vitrine: mail ({}) of sign-up {} sent",
                m.notice.code(),
                m.signup_id
            );
            if let Err(e) = done(None).await {
                eprintln!("vitrine: clearing a sent mail from the queue failed: {e}");
            }
            true
        }
        Err(err) => {
            let what = failure(&err);
            let attempts = m.attempts + 1;
            match crate::mail::retry_after(attempts).filter(|_| !err.is_permanent()) {
                Some(wait) => {
                    eprintln!(
                        "vitrine: sending the mail of sign-up {} failed ({what}); trying again in {} min",
                        m.signup_id,
                        wait / 60
                    );
                    if let Err(e) = state
                        .store
                        .mail_failed(m.id, crate::visits::now() + wait, &what)
                        .await
                    {
                        eprintln!("vitrine: recording a failed mail failed: {e}");
                    }
                }
                None => {
                    let _ = done(Some(&format!(
                        "the mail server refused it ({what}), {attempts} tries"
                    )))
                    .await;
                }
            }
            false
        }
    }
}

/// What went wrong, without the server's words: the SMTP code, or the kind of failure.
fn failure(e: &lettre::transport::smtp::Error) -> String {
    if let Some(code) = e.status() {
        return format!("SMTP {code}");
    }
    let kind = if e.is_tls() {
        "TLS"
    } else if e.is_timeout() {
        "timeout"
    } else if e.is_transient() || e.is_permanent() || e.is_response() {
        "reply"
    } else {
        "connection"
    };
    kind.to_string()
}

/// The mail for `m`, in the sign-up's language.
fn compose(
    state: &AppState,
    mailer: &Mailer,
    s: &Signup,
    e: &crate::content::Event,
    m: &crate::store::Outgoing,
    to: lettre::Address,
    calendar: Option<axum::body::Bytes>,
) -> Result<Message, String> {
    let lang = Lang::parse(&s.lang).unwrap_or(Lang::Vi);
    let text = |key: &str| state.locales.text(lang, &format!("mail.{key}"));
    let title = super::signup::pick(&e.title, lang);
    let museum = super::signup::pick(&state.museum, lang);
    let base = state.base_url.trim_end_matches('/');
    let pre = lang.prefix();
    let code = crate::learn::spaced_code(&s.code);
    let mut body = String::new();
    let mut line = |l: &str| {
        body.push_str(l);
        body.push('\n');
    };
    line(&match &s.name {
        Some(n) => text("hello").replace("{name}", n),
        None => text("hello_anonymous"),
    });
    line("");
    line(&text(m.notice.code()));
    line("");
    line(&format!("{}: {title}", text("event")));
    line(&format!(
        "{}: {}",
        text("when"),
        crate::render::events::when(e, lang)
    ));
    let place = super::signup::pick(&e.place, lang);
    if !place.is_empty() {
        line(&format!("{}: {place}", text("place")));
    }
    // Nothing to bring or add to a calendar once the sign-up or the event is cancelled.
    let ended = matches!(m.notice, Notice::Cancelled | Notice::EventCancelled);
    if !ended {
        line(&format!("{}: {code}", text("code")));
        line(&format!("{}: {}", text("people"), s.people));
    }
    line("");
    match &m.link {
        Some(link) => line(&format!("{}: {base}{link}", text("link"))),
        None if !ended => line(&text("link_first")),
        None => {}
    }
    if !ended {
        line(&format!(
            "{}: {base}/{pre}su-kien/{}.ics",
            text("calendar"),
            e.slug
        ));
        line(&format!("{}: {base}/{pre}su-kien/{}/", text("page"), e.slug));
    }
    line("");
    line(&format!("-- \n{museum}"));
    line(&text("why"));
    let subject = text(&format!("subject_{}", m.notice.code())).replace("{event}", &title);
    let mut b = Message::builder()
        .from(mailer.from.clone())
        .to(Mailbox::new(None, to))
        .subject(subject);
    if let Some(r) = &mailer.reply_to {
        b = b.reply_to(r.clone());
    }
    let made = match calendar {
        // The text, then the event as an iCalendar file that phones offer to add to a calendar.
        Some(ics) => {
            let kind = ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                .map_err(|e| format!("the calendar's content type: {e}"))?;
            b.multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(body))
                    .singlepart(Attachment::new(format!("{}.ics", e.slug)).body(ics.to_vec(), kind)),
            )
        }
        None => b.header(ContentType::TEXT_PLAIN).body(body),
    };
    made.map_err(|e| format!("the mail could not be composed: {e}"))
}
