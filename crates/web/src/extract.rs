//! The extractors handlers use instead of axum's own: the same `Form`, `Query`, `Path` and `Json`,
//! but what they refuse goes through the error policy (`error.rs`) — a Swedish page, or the API's
//! JSON error on `/api/` — with the right status, never the framework's English text that names
//! internal fields.

use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::{ApiError, AppError};

/// The largest JSON body the API reads.
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

/// A body larger than the caller reads.
pub struct TooLarge;

/// Reads a request body of at most `keep` bytes. A larger one is still read to its end (up to the
/// router's limit) and thrown away, so that the client, still sending, receives the refusal instead
/// of a connection closed under it.
pub async fn read_body(body: axum::body::Body, keep: usize) -> Result<bytes::Bytes, TooLarge> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut buf = bytes::BytesMut::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { return Err(TooLarge) };
        let Ok(data) = frame.into_data() else { continue };
        total += data.len();
        if total <= keep {
            buf.extend_from_slice(&data);
        } else if total > crate::MAX_BODY_BYTES {
            return Err(TooLarge);
        }
    }
    if total > keep { Err(TooLarge) } else { Ok(buf.freeze()) }
}

/// A refusal, shown as a page or, for the API, as JSON.
pub struct Rejection {
    error: AppError,
    api: bool,
}

impl Rejection {
    pub fn new(error: AppError, api: bool) -> Rejection {
        Rejection { error, api }
    }

    /// The error behind the refusal, for a handler that reads its body after checking who asks.
    pub fn into_error(self) -> AppError {
        self.error
    }
}

impl From<Rejection> for AppError {
    fn from(r: Rejection) -> AppError {
        r.error
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        if self.api { ApiError(self.error).into_response() } else { self.error.into_response() }
    }
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// What a form or JSON body that could not be read becomes.
fn body_error(status: StatusCode, what: &str) -> AppError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge(format!(
            "Det som skickades är för stort för {what}. Ingenting har sparats; korta texten eller dela upp den."
        )),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType(format!(
            "Det som skickades är inte {what} (fel Content-Type). Ingenting har sparats."
        )),
        _ => AppError::BadRequest(format!(
            "Det som skickades kunde inte läsas som {what}: något fält saknas eller har fel form. Ingenting har sparats; ladda om sidan och försök igen."
        )),
    }
}

/// `axum::Form`, refusing in Swedish.
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let api = is_api(req.uri().path());
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(e) => {
                tracing::info!(error = %e.body_text(), "formuläret kunde inte läsas");
                let status = match &e {
                    FormRejection::InvalidFormContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    other => other.status(),
                };
                Err(Rejection { error: body_error(status, "ett formulär"), api })
            }
        }
    }
}

/// `axum::Json`, refusing in Swedish (as the API's JSON error), and never reading more than
/// [`MAX_JSON_BYTES`].
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let api = is_api(req.uri().path());
        let (parts, body) = req.into_parts();
        let bytes = read_body(body, MAX_JSON_BYTES).await.map_err(|_| Rejection {
            error: AppError::PayloadTooLarge(format!(
                "JSON-kroppen är större än {} kB. Ingenting har sparats.",
                MAX_JSON_BYTES / 1024
            )),
            api,
        })?;
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(e) => {
                let error = match &e {
                    JsonRejection::MissingJsonContentType(_) => {
                        body_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "JSON (skicka Content-Type: application/json)")
                    }
                    JsonRejection::JsonDataError(_) => AppError::Unprocessable(format!(
                        "JSON-kroppen har fel fält eller fel typer: {}. Ingenting har sparats.",
                        json_detail(&e.body_text())
                    )),
                    JsonRejection::JsonSyntaxError(_) => {
                        AppError::BadRequest("JSON-kroppen är inte giltig JSON. Ingenting har sparats.".to_owned())
                    }
                    other => body_error(other.status(), "JSON"),
                };
                Err(Rejection { error, api })
            }
        }
    }
}

/// serde's description of a JSON data error, which names the API's own (documented) fields.
fn json_detail(text: &str) -> String {
    let detail = text.rsplit_once(": ").map(|(_, d)| d).unwrap_or(text);
    let detail = detail.split(" at line ").next().unwrap_or(detail);
    detail
        .replace("missing field", "fältet saknas:")
        .replace("unknown field", "okänt fält")
        .replace("invalid type", "fel typ")
        .replace("expected", "väntade")
}

/// `axum::extract::Query`, refusing in Swedish.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let api = is_api(parts.uri.path());
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => {
                let _: &QueryRejection = &e;
                tracing::info!(error = %e.body_text(), "adressens frågedel kunde inte läsas");
                Err(Rejection {
                    error: AppError::BadRequest(
                        "Adressen har en frågedel (efter ?) som inte kan läsas. Kontrollera adressen.".to_owned(),
                    ),
                    api,
                })
            }
        }
    }
}

/// `axum::extract::Path`, refusing in Swedish: an address that is not valid UTF-8, or has too few
/// parts, is a 400 (a part that names nothing is the handler's 404).
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let api = is_api(parts.uri.path());
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(e) => {
                let _: &PathRejection = &e;
                tracing::info!(error = %e.body_text(), "adressen kunde inte läsas");
                Err(Rejection {
                    error: AppError::BadRequest(
                        "Adressen innehåller tecken som inte kan läsas. Kontrollera adressen eller börja om från startsidan."
                            .to_owned(),
                    ),
                    api,
                })
            }
        }
    }
}
