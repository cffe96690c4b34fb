// One HTTP/1.1 request to another server (the Department's, or a museum's), over TLS for https://
// (rustls, the public roots and `[server] ca_file`) or plain for http:// (a server on the same
// machine or network). hyper's client connection does the protocol; this adds the address, the
// TLS handshake, a deadline and a cap on the size of the answer. No pool: the province exchanges
// a few requests a day.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Request, Uri, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// An answer: status, headers and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// The body as text, cut to a line people can read in a log or on a page.
    pub fn text(&self) -> String {
        let t = String::from_utf8_lossy(&self.body);
        let t = t.trim();
        if t.chars().count() > 300 {
            format!("{}…", t.chars().take(300).collect::<String>())
        } else {
            t.to_string()
        }
    }
}

/// What this server trusts when it connects over TLS: the public roots, and the authority of
/// `[server] ca_file` when set (a province's own). Made once at start; cheap to clone.
#[derive(Clone)]
pub struct Client {
    tls: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Client")
    }
}

impl Client {
    /// The client trusting the public roots and every certificate in the PEM file `ca_file`.
    pub fn new(ca_file: Option<&Path>) -> Result<Client, String> {
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        if let Some(path) = ca_file {
            let shown = path.display();
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("[server] ca_file {shown}: {e}"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("[server] ca_file {shown} is not a PEM certificate: {e}"))?;
            if certs.is_empty() {
                return Err(format!("[server] ca_file {shown} holds no certificate"));
            }
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|e| format!("[server] ca_file {shown}: {e}"))?;
            }
        }
        let config =
            rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS: {e}"))?
                .with_root_certificates(roots)
                .with_no_client_auth();
        Ok(Client {
            tls: Arc::new(config),
        })
    }

    /// Send `body` to `url` with `headers`; the whole exchange within `timeout`, an answer of
    /// at most `max_answer` bytes. The error says what failed, for the person who pressed the
    /// button.
    pub async fn request(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
        timeout: Duration,
        max_answer: usize,
    ) -> Result<Reply, String> {
        let exchange = exchange(&self.tls, method, url, headers, body, max_answer);
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| format!("{url} did not answer within {} s", timeout.as_secs()))?
    }
}

async fn exchange(
    tls_config: &Arc<rustls::ClientConfig>,
    method: Method,
    url: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
    max_answer: usize,
) -> Result<Reply, String> {
    let uri: Uri = url.parse().map_err(|_| format!("{url:?} is not an address"))?;
    let tls = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err(format!("{url:?} is not an http:// or https:// address")),
    };
    let host = uri
        .host()
        .ok_or_else(|| format!("{url:?} has no server name"))?
        .to_string();
    let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
    let authority = uri
        .authority()
        .map(|a| a.as_str().to_string())
        .unwrap_or_else(|| host.clone());
    let path = uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_string();
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, authority)
        .header(header::USER_AGENT, concat!("vitrine/", env!("CARGO_PKG_VERSION")))
        .header(header::CONTENT_LENGTH, body.len());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let req = req
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("the request could not be made: {e}"))?;
    let bare = host.trim_start_matches('[').trim_end_matches(']').to_string();
    let tcp = TcpStream::connect((bare.as_str(), port))
        .await
        .map_err(|e| format!("cannot reach {host}:{port}: {e}"))?;
    if tls {
        let name = rustls::pki_types::ServerName::try_from(bare.clone())
            .map_err(|_| format!("{host} is not a server name"))?;
        let stream = tokio_rustls::TlsConnector::from(tls_config.clone())
            .connect(name, tcp)
            .await
            .map_err(|e| format!("the secure connection to {host} failed: {e}"))?;
        send(stream, req, max_answer).await
    } else {
        send(tcp, req, max_answer).await
    }
}

async fn send<S>(io: S, req: Request<Full<Bytes>>, max_answer: usize) -> Result<Reply, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("HTTP: {e}"))?;
    let driver = tokio::spawn(conn);
    let res = sender.send_request(req).await.map_err(|e| format!("HTTP: {e}"));
    let out = match res {
        Ok(res) => {
            let status = res.status().as_u16();
            let headers = res.headers().clone();
            match Limited::new(res.into_body(), max_answer).collect().await {
                Ok(b) => Ok(Reply {
                    status,
                    headers,
                    body: b.to_bytes().to_vec(),
                }),
                Err(e) => Err(format!("reading the answer failed: {e}")),
            }
        }
        Err(e) => Err(e),
    };
    driver.abort();
    out
}
