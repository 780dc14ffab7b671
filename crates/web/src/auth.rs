//! Who is asking: passwords (argon2), sessions stored in the database, API bearer tokens (stored only as
//! SHA-256 hashes), CSRF protection for every form, and throttling of failed logins.
//!
//! - Session cookie `uppfolj_session`: a random token; the database holds only its hash, with the user,
//!   an expiry and a hash of the user's password hash — changing the password ends every session.
//!   `HttpOnly`, `SameSite=Lax`, `Secure` when the request came over TLS (directly or, behind a proxy,
//!   `X-Forwarded-Proto: https`) or when the server is configured so.
//! - CSRF: every visitor gets a random `uppfolj_csrf` cookie (`HttpOnly`, `SameSite=Strict`); every form
//!   carries the same value in a hidden `csrf` field (a file upload in its address, `?csrf=`), and
//!   [`csrf_middleware`] refuses any form post
//!   (urlencoded, multipart or plain text: what a cross-site form can send) whose field does not match.
//!   JSON requests cannot be sent cross-site without CORS, which the app never allows.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use uppfolj_domain::Account;
use uppfolj_store::credentials;

use crate::{AppError, AppState};

/// The largest form (not a file upload) that is read: the longest texts of a form with room to spare.
pub const MAX_FORM_BYTES: usize = 4 * 1024 * 1024;

pub const SESSION_COOKIE: &str = "uppfolj_session";
pub const CSRF_COOKIE: &str = "uppfolj_csrf";
/// How long a login lasts.
pub const SESSION_HOURS: i64 = 12;

/// The current time. The one place the web layer reads the clock; everything else is given it.
#[allow(clippy::disallowed_methods)]
pub fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// An argon2 hash of `password` (`uppfolj_store::credentials`).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    credentials::hash_password(password).map_err(|e| AppError::Internal(e.to_string()))
}

/// How many password checks run at the same time. Each is deliberately slow and takes about 19 MiB;
/// more at once would only queue on the cores and could exhaust memory under a login flood.
const PARALLEL_HASHES: usize = 2;

fn hashers() -> &'static tokio::sync::Semaphore {
    static SEM: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SEM.get_or_init(|| tokio::sync::Semaphore::new(PARALLEL_HASHES))
}

/// Checks a password against its argon2 hash on a blocking thread, a few at a time, so that a flood
/// of logins never holds up the async workers that answer everyone else.
pub async fn verify_password(password: &str, hash: &str) -> Result<bool, AppError> {
    let _permit = hashers().acquire().await.map_err(|e| AppError::Internal(format!("lösenordskön: {e}")))?;
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || credentials::verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(format!("lösenordskontrollen avbröts: {e}")))
}

/// Spends the time of a password check, so that a wrong user name takes as long as a wrong password.
pub async fn verify_dummy(password: &str) -> Result<(), AppError> {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let dummy = tokio::task::spawn_blocking(|| DUMMY.get_or_init(|| hash_password("uppfolj-dummy").ok()).clone())
        .await
        .map_err(|e| AppError::Internal(format!("lösenordskontrollen avbröts: {e}")))?;
    if let Some(h) = dummy {
        verify_password(password, &h).await?;
    }
    Ok(())
}

/// 32 random bytes as hex.
pub fn random_token() -> Result<String, AppError> {
    credentials::random_token().map_err(|e| AppError::Internal(e.to_string()))
}

pub use credentials::{auth_hash, sha256_hex};

/// Percent-encodes a value for a query string.
pub fn encode_query(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Whether the visitor reached us over TLS.
pub fn is_secure(headers: &HeaderMap, force: bool) -> bool {
    force
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, same_site: &str, secure: bool) -> Option<HeaderValue> {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).ok()
}

/// The visitor: signed in (through a session or an API token) or not, and the CSRF token for forms.
///
/// Where identity is decided: a session or a token of an active account gives the account, and on
/// the pages of a plan (every address with `{plan}`) `account` is the account *as it may act on that
/// plan* ([`Account::within`] the plan's healthcare region): RCC staff, reporters and process leaders
/// of another healthcare region are readers there. Every permission check reads `account`.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub account: Option<Account>,
    /// The signed-in account itself, wherever it is: for the page header and the account's own pages.
    pub own: Option<Account>,
    pub csrf: String,
    /// The hash of the session token, when signed in through a session.
    pub session: Option<String>,
    /// The path and query asked for, to come back to after logging in.
    pub path: String,
}

impl Viewer {
    /// The signed-in account, or "log in first".
    pub fn account(&self) -> Result<&Account, AppError> {
        self.account.as_ref().ok_or_else(|| AppError::LoginRequired { next: self.path.clone() })
    }

    /// The signed-in account if `allowed` says yes; otherwise login (anonymous) or 403.
    pub fn require(&self, allowed: impl FnOnce(&Account) -> bool, what: &str) -> Result<&Account, AppError> {
        let a = self.account()?;
        if allowed(a) { Ok(a) } else { Err(AppError::Forbidden(format!("Du har inte behörighet att {what}."))) }
    }
}

/// The CSRF token of this request, put there by [`csrf_middleware`].
#[derive(Clone)]
struct CsrfToken(String);

/// Why the visitor could not be identified: rendered as a page, or as JSON on the API.
pub struct ViewerRejection {
    pub(crate) error: AppError,
    pub(crate) api: bool,
}

impl IntoResponse for ViewerRejection {
    fn into_response(self) -> Response {
        if self.api { crate::ApiError(self.error).into_response() } else { self.error.into_response() }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ViewerRejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, ViewerRejection> {
        // Identified once per request, however many extractors ask.
        if let Some(v) = parts.extensions.get::<Viewer>() {
            return Ok(v.clone());
        }
        let api = parts.uri.path().starts_with("/api/");
        let mut viewer = identify(parts, state).await.map_err(|error| ViewerRejection { error, api })?;
        // On a plan's pages, the account as it may act on that plan.
        if let Some(account) = &viewer.account {
            let params = axum::extract::RawPathParams::from_request_parts(parts, state).await.ok();
            let plan = params.as_ref().and_then(|p| p.iter().find(|(k, _)| *k == "plan").map(|(_, v)| v.to_owned()));
            if let Some(slug) = plan.and_then(|p| uppfolj_domain::Slug::parse(&p).ok()) {
                let hr = state
                    .cache
                    .plan_region(&slug, state.store.as_ref())
                    .await
                    .map_err(|e| ViewerRejection { error: e.into(), api })?;
                if let Some(hr) = hr {
                    viewer.account = Some(account.within(&hr));
                }
            }
        }
        parts.extensions.insert(viewer.clone());
        Ok(viewer)
    }
}

async fn identify(parts: &mut Parts, state: &AppState) -> Result<Viewer, AppError> {
    let csrf = parts.extensions.get::<CsrfToken>().map(|c| c.0.clone()).unwrap_or_default();
    let path = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".to_owned());
    let mut viewer = Viewer { account: None, own: None, csrf, session: None, path };
    if let Some(auth) = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let token = auth.strip_prefix("Bearer ").map(str::trim).unwrap_or("");
        let user = if token.is_empty() { None } else { state.store.user_by_token(&sha256_hex(token), now()).await? };
        return match user {
            Some(u) => {
                viewer.own = Some(u.account.clone());
                viewer.account = Some(u.account);
                Ok(viewer)
            }
            None => Err(AppError::LoginRequired { next: viewer.path }),
        };
    }
    if let Some(token) = cookie(&parts.headers, SESSION_COOKIE) {
        let hash = sha256_hex(&token);
        if let Some(s) = state.store.session(&hash, now()).await?
            && let Some(u) = state.store.user_by_id(s.user_id).await?
            && s.auth_hash == auth_hash(&u.password_hash)
            && u.active
        {
            viewer.own = Some(u.account.clone());
            viewer.account = Some(u.account);
            viewer.session = Some(hash);
        }
    }
    Ok(viewer)
}

/// Gives every visitor a CSRF cookie and refuses form posts whose `csrf` field does not match it.
pub async fn csrf_middleware(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let existing = cookie(req.headers(), CSRF_COOKIE).filter(|c| c.len() == 64);
    let (token, fresh) = match existing {
        Some(t) => (t, false),
        None => match random_token() {
            Ok(t) => (t, true),
            Err(e) => return e.into_response(),
        },
    };
    let secure = is_secure(req.headers(), state.secure_cookies);
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let content_type =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let form_like = content_type.starts_with("application/x-www-form-urlencoded")
        || content_type.starts_with("multipart/form-data")
        || content_type.starts_with("text/plain");
    let has_bearer = req.headers().contains_key(header::AUTHORIZATION);
    let mut req = req;
    // A request with a bearer token is identified by the token alone, never by the cookies, so a
    // cross-site form cannot act with it: the API's own refusals (wrong content type…) apply instead.
    if unsafe_method && !has_bearer && (form_like || content_type.is_empty()) {
        // A file upload (multipart) carries the token in the query string, so its body is left to
        // stream to the handler; any other form is read here (at most MAX_FORM_BYTES) for its field.
        let multipart = content_type.starts_with("multipart/form-data");
        let (parts, body) = req.into_parts();
        let (sent, body) = if multipart {
            (parts.uri.query().and_then(|q| form_urlencoded_field(q.as_bytes(), "csrf")), body)
        } else {
            let bytes = match crate::extract::read_body(body, MAX_FORM_BYTES).await {
                Ok(b) => b,
                Err(_) => {
                    return AppError::PayloadTooLarge(format!(
                        "Formuläret är större än {} MB och togs inte emot; ingenting har sparats. Korta texterna och försök igen.",
                        MAX_FORM_BYTES / (1024 * 1024)
                    ))
                    .into_response();
                }
            };
            (form_urlencoded_field(&bytes, "csrf"), axum::body::Body::from(bytes))
        };
        if fresh || sent.as_deref() != Some(token.as_str()) {
            tracing::warn!(path = %parts.uri.path(), "formulär utan giltig CSRF-kod");
            let mut res = AppError::Forbidden(
                "Formuläret kunde inte tas emot: sidan var för gammal eller kom från en annan webbplats. Ladda om sidan och försök igen."
                    .to_owned(),
            )
            .into_response();
            if fresh && let Some(v) = set_cookie(CSRF_COOKIE, &token, None, "Strict", secure) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            return res;
        }
        req = Request::from_parts(parts, body);
    }
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut res = next.run(req).await;
    if fresh && let Some(v) = set_cookie(CSRF_COOKIE, &token, None, "Strict", secure) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    // Multipart and plain-text posts never carry a valid urlencoded field: they are refused.
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v.to_owned())
}

/// Where a request comes from: the TCP peer, or — only when that peer is the proxy named by
/// `UPPFOLJ_TRUSTED_PROXY` — the address the proxy put last in `X-Forwarded-For`. A client cannot
/// choose its own address by sending the header itself.
pub struct ClientAddress(pub String);

fn trusted_proxy() -> Option<std::net::IpAddr> {
    static PROXY: std::sync::OnceLock<Option<std::net::IpAddr>> = std::sync::OnceLock::new();
    *PROXY.get_or_init(|| std::env::var("UPPFOLJ_TRUSTED_PROXY").ok().and_then(|p| p.trim().parse().ok()))
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<ClientAddress, Self::Rejection> {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
        let forwarded = || {
            parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
                .next_back()
        };
        let address = match (peer, trusted_proxy()) {
            (Some(p), Some(proxy)) if p == proxy => forwarded().unwrap_or(p),
            (Some(p), _) => p,
            (None, _) => std::net::IpAddr::from([0, 0, 0, 0]),
        };
        Ok(ClientAddress(address.to_string()))
    }
}

/// A refusal to try again before `wait` has passed.
pub fn too_many(wait: time::Duration) -> AppError {
    let seconds = wait.whole_seconds().max(1);
    let how_long = if seconds < 60 {
        format!("{seconds} sekund{}", if seconds == 1 { "" } else { "er" })
    } else {
        let minutes = (seconds + 59) / 60;
        format!("{minutes} minut{}", if minutes == 1 { "" } else { "er" })
    };
    AppError::TooManyRequests(format!("För många misslyckade inloggningar. Vänta {how_long} och försök igen."))
}

/// A 303 redirect that also sets cookies.
pub fn redirect_with_cookies(to: &str, cookies: Vec<HeaderValue>) -> Response {
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response();
    for c in cookies {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_queries() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; uppfolj_csrf=abc; b=2"));
        assert_eq!(cookie(&h, "uppfolj_csrf").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        assert_eq!(encode_query("/planer/x?a=1&b=å"), "/planer/x%3Fa%3D1%26b%3D%C3%A5");
        assert_eq!(form_urlencoded_field(b"a=1&csrf=xyz", "csrf").as_deref(), Some("xyz"));
    }
}
