//! What is already known. Everything a round's pages show moves the revision they are kept under
//! (see `uppfolj_store::RoundMeta::revision`), in the transaction of the change; so a read of a
//! round is made once per revision and then served from memory, a published round's pages as an
//! anonymous visitor sees them and its downloads are made once, and browsers that already have
//! them get `304 Not Modified`. A round in progress is never served from a kept page, and its
//! revision is read from the database on every request: every page and download after a save
//! shows the save.
//!
//! - **Metas** of published rounds (status and revision) for a second: the one question a cached
//!   page would otherwise ask the database. Every write through this server forgets them.
//! - **Reads** (`Arc<Dataset>` per round, shape and revision), for every viewer and every round —
//!   an open round's revision is read anew on every request and moves with every save, so what is
//!   read under it is what is saved: the page is still rendered for whoever asks.
//! - **Work** (`Arc<RoundWork>`: a round's states and cells with the versions a save is based on,
//!   for the whole round or one region) per revision, like the reads: a save moves the revision,
//!   so the versions a form is given are always the saved ones.
//! - **Fragments**: the parts of a page that are the same for every viewer (the dashboard's charts
//!   and tables), rendered once per revision.
//! - **Pages** for anonymous visitors (everyone sees the same), whole responses, in the
//!   [`published_pages`] middleware. A page that carries the visitor's CSRF code is not kept.
//! - **Downloads** (the compiled report, process reports) per revision, an open round's included,
//!   kept after the handler has decided that the viewer may have them, and rendered once however
//!   many ask at the same moment. A round just published has its PDF typeset in the background.
//! - **Conditional requests**: an anonymous visitor's page and every download of a published round
//!   (but a document with restricted sharing) carries an `ETag` made of what it is made of
//!   (address, revision, the day, the server's start) and `Cache-Control: no-cache`, so a matching
//!   `If-None-Match` is answered with `304` without reading or rendering anything. Pages for a
//!   signed-in viewer stay `no-store`: they show who is signed in.
//!
//! Each cache is bounded by an estimate of the memory it holds; the least used entries go first.
//! Entries of an old revision are never looked up again and age out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use uppfolj_domain::{Dataset, RegionCode, RoundStatus, Slug};
use uppfolj_store::{RoundMeta, RoundWork, Shape};

use crate::AppState;
use crate::auth::Viewer;

/// How much memory the reads of published rounds may hold, estimated.
const DATA_BYTES: u64 = 24 * 1024 * 1024;
/// How much memory the parts of pages that are the same for everyone may hold.
const FRAGMENT_BYTES: u64 = 16 * 1024 * 1024;
/// How much memory anonymous pages and downloads may hold.
const PAGE_BYTES: u64 = 32 * 1024 * 1024;
/// A response larger than this is sent but not kept.
const LARGEST_KEPT: usize = 8 * 1024 * 1024;

/// A part of a page that is the same for every viewer, by the round's revision.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct FragmentKey {
    plan: Slug,
    year: i32,
    revision: i64,
    name: &'static str,
}

/// A fragment: a title it needs and its HTML.
type Fragment = (String, Arc<String>);

#[derive(Clone)]
struct FragmentWeight;

impl Weighter<FragmentKey, Fragment> for FragmentWeight {
    fn weight(&self, _key: &FragmentKey, (title, html): &Fragment) -> u64 {
        (title.len() + html.len() + 128) as u64
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct DataKey {
    plan: Slug,
    year: i32,
    revision: i64,
    shape: Shape,
}

/// A round's work, whole or of one region, by the round's revision.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct WorkKey {
    plan: Slug,
    year: i32,
    revision: i64,
    region: Option<RegionCode>,
}

#[derive(Clone)]
struct WorkWeight;

impl Weighter<WorkKey, Arc<RoundWork>> for WorkWeight {
    fn weight(&self, _key: &WorkKey, work: &Arc<RoundWork>) -> u64 {
        let cells: usize =
            work.cells.iter().map(|c| c.comment.len() + c.condensed.as_ref().map_or(0, String::len) + 160).sum();
        let comments: usize = work.rcc_comments.values().map(|c| c.text.len() + 64).sum();
        (cells + comments + work.regions.len() * 128 + 256) as u64
    }
}

/// What a response is made of: the same key, the same bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct PageKey {
    /// The address with its query, or the download's own name.
    target: String,
    revision: i64,
    /// Who asks, as far as the response differs by it; empty for anonymous visitors and downloads.
    audience: String,
    day: time::Date,
}

impl PageKey {
    /// The entity tag of the response this key makes, weak (the same content, not byte for byte
    /// the same transfer).
    fn etag(&self, boot: &str) -> HeaderValue {
        let digest = uppfolj_store::credentials::sha256_hex(&format!(
            "{boot}\n{}\n{}\n{}\n{}",
            self.target, self.revision, self.audience, self.day
        ));
        HeaderValue::from_str(&format!("W/\"{}\"", &digest[..32])).unwrap_or(HeaderValue::from_static("W/\"0\""))
    }
}

/// Which download, and whether browsers may keep it (a published round's).
#[derive(Clone, Debug)]
pub(crate) struct DownloadKey {
    key: PageKey,
    published: bool,
}

/// A kept response: the headers that describe the body, and the body.
#[derive(Clone, Debug)]
pub(crate) struct Kept {
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

impl Kept {
    /// A response with `headers` (those describing the content) and `body`.
    pub(crate) fn new(headers: &HeaderMap, body: Bytes) -> Kept {
        let describing = [header::CONTENT_TYPE, header::CONTENT_DISPOSITION, header::CONTENT_SECURITY_POLICY];
        let headers =
            describing.iter().filter_map(|name| headers.get(name).map(|v| (name.clone(), v.clone()))).collect();
        Kept { headers, body }
    }

    /// The body.
    pub(crate) fn body(&self) -> &[u8] {
        &self.body
    }

    fn response(&self) -> Response {
        let mut res = Response::new(Body::from(self.body.clone()));
        for (name, value) in &self.headers {
            res.headers_mut().insert(name.clone(), value.clone());
        }
        res
    }
}

#[derive(Clone)]
struct DataWeight;

impl Weighter<DataKey, Arc<Dataset>> for DataWeight {
    fn weight(&self, _key: &DataKey, data: &Arc<Dataset>) -> u64 {
        approx_bytes(data)
    }
}

#[derive(Clone)]
struct KeptWeight;

impl Weighter<PageKey, Arc<Kept>> for KeptWeight {
    fn weight(&self, key: &PageKey, kept: &Arc<Kept>) -> u64 {
        (kept.body.len() + key.target.len() + key.audience.len() + 256) as u64
    }
}

/// How long a published round's meta is taken as known without asking the database. A change made
/// through this server is seen at once (every write forgets them all); one made by another process
/// (the command line, a second server) within this time.
const META_FOR: Duration = Duration::from_secs(1);

/// A meta as read: the generation it was read in, when, and what it said.
type KnownMeta = (u64, Instant, RoundMeta);

/// Published rounds' metas as last read, each with the generation it was read in.
#[derive(Default)]
struct Metas {
    generation: AtomicU64,
    known: Mutex<HashMap<(Slug, i32), KnownMeta>>,
}

impl Metas {
    fn get(&self, plan: &Slug, year: i32) -> Option<RoundMeta> {
        let generation = self.generation.load(Ordering::Acquire);
        let known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        known
            .get(&(plan.clone(), year))
            .filter(|(g, at, _)| *g == generation && at.elapsed() < META_FOR)
            .map(|(_, _, meta)| meta.clone())
    }

    /// Keeps `meta` if it is of a published round and nothing was written since `generation`.
    fn put(&self, meta: &RoundMeta, generation: u64, read_at: Instant) {
        if meta.status != RoundStatus::Published {
            return;
        }
        let mut known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.generation.load(Ordering::Acquire) == generation {
            known.insert((meta.plan.clone(), meta.year), (generation, read_at, meta.clone()));
        }
    }

    /// Something was written through this server: every meta is read again.
    fn forget(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}

/// The caches of one server.
pub struct Caches {
    /// The healthcare region of each adopted or closed plan (a draft's short name may still change,
    /// so a draft's is read each time): where a signed-in account is at home.
    plan_regions: std::sync::RwLock<std::collections::HashMap<Slug, Slug>>,
    metas: Metas,
    data: Cache<DataKey, Arc<Dataset>, DataWeight>,
    work: Cache<WorkKey, Arc<RoundWork>, WorkWeight>,
    fragments: Cache<FragmentKey, Fragment, FragmentWeight>,
    pages: Cache<PageKey, Arc<Kept>, KeptWeight>,
    downloads: Cache<PageKey, Arc<Kept>, KeptWeight>,
    /// Different for every start of the server, so that no entity tag outlives what it was made from.
    boot: String,
}

impl Caches {
    pub fn new() -> Caches {
        let boot =
            uppfolj_store::credentials::random_token().unwrap_or_else(|_| format!("process-{}", std::process::id()));
        Caches {
            plan_regions: Default::default(),
            metas: Metas::default(),
            data: bounded(256, DATA_BYTES, DataWeight),
            work: bounded(256, DATA_BYTES / 2, WorkWeight),
            fragments: bounded(128, FRAGMENT_BYTES, FragmentWeight),
            pages: bounded(1024, PAGE_BYTES / 2, KeptWeight),
            downloads: bounded(64, PAGE_BYTES / 2, KeptWeight),
            boot,
        }
    }

    /// The healthcare region of plan `slug` (`None`: no such plan), from memory once it is adopted.
    pub(crate) async fn plan_region(
        &self,
        slug: &Slug,
        store: &dyn uppfolj_store::Store,
    ) -> Result<Option<Slug>, uppfolj_store::StoreError> {
        if let Some(hr) = self.plan_regions.read().unwrap_or_else(|p| p.into_inner()).get(slug) {
            return Ok(Some(hr.clone()));
        }
        let Some((hr, status)) = store.plan_healthcare_region(slug).await? else { return Ok(None) };
        if status != uppfolj_domain::PlanStatus::Draft {
            self.plan_regions.write().unwrap_or_else(|p| p.into_inner()).insert(slug.clone(), hr.clone());
        }
        Ok(Some(hr))
    }

    /// A published round's read, from memory when it was read before under the same revision.
    pub(crate) async fn read<F>(
        &self,
        meta: &RoundMeta,
        shape: &Shape,
        read: F,
    ) -> Result<Arc<Dataset>, crate::AppError>
    where
        F: Future<Output = Result<Dataset, crate::AppError>>,
    {
        let key = DataKey { plan: meta.plan.clone(), year: meta.year, revision: meta.revision, shape: shape.clone() };
        self.data.get_or_insert_async(&key, async { read.await.map(Arc::new) }).await
    }

    /// A round's work (of one region, or all), from memory when it was read before under the same
    /// revision — an open round's included: every save moves the revision.
    pub(crate) async fn work<F>(
        &self,
        meta: &RoundMeta,
        region: Option<&RegionCode>,
        read: F,
    ) -> Result<Arc<RoundWork>, crate::AppError>
    where
        F: Future<Output = Result<RoundWork, crate::AppError>>,
    {
        let key =
            WorkKey { plan: meta.plan.clone(), year: meta.year, revision: meta.revision, region: region.cloned() };
        self.work.get_or_insert_async(&key, async { read.await.map(Arc::new) }).await
    }

    /// A part of a round's page that is the same for every viewer, made by `render` once per
    /// revision of the round (a round in progress included: a save moves the revision).
    pub(crate) async fn fragment<F>(
        &self,
        meta: &RoundMeta,
        name: &'static str,
        render: F,
    ) -> Result<Fragment, crate::AppError>
    where
        F: Future<Output = Result<(String, String), crate::AppError>>,
    {
        let key = FragmentKey { plan: meta.plan.clone(), year: meta.year, revision: meta.revision, name };
        self.fragments.get_or_insert_async(&key, async { render.await.map(|(t, h)| (t, Arc::new(h))) }).await
    }

    /// The key of a download of a round, by its revision: an open round's moves with every save.
    pub(crate) fn download_key(&self, meta: &RoundMeta, name: &str, day: time::Date) -> DownloadKey {
        let key = PageKey {
            target: format!("{}/{}/{name}", meta.plan, meta.year),
            revision: meta.revision,
            audience: String::new(),
            day,
        };
        DownloadKey { key, published: meta.status == RoundStatus::Published }
    }

    /// A download: `304` when the browser has it, from memory when it was made before under the
    /// same revision, otherwise made by `render` (once, however many ask for it at the same moment)
    /// and kept. Only a published round's is kept by browsers too (with an entity tag); an open
    /// round's, and a document with restricted sharing, are kept here, for those found allowed to
    /// read them, but never in a browser (`no-store`, no entity tag).
    pub(crate) async fn download<F>(
        &self,
        key: DownloadKey,
        request: &HeaderMap,
        restricted: bool,
        render: F,
    ) -> Result<Response, crate::AppError>
    where
        F: Future<Output = Result<Kept, crate::AppError>>,
    {
        let DownloadKey { key, published } = key;
        let etag = (published && !restricted).then(|| key.etag(&self.boot));
        if let Some(etag) = &etag
            && matches(request, etag)
        {
            return Ok(not_modified(etag.clone()));
        }
        let kept = self.downloads.get_or_insert_async(&key, async { render.await.map(Arc::new) }).await?;
        let mut res = kept.response();
        if let Some(etag) = etag {
            revalidate(res.headers_mut(), etag);
        }
        Ok(res)
    }
}

/// A cache of about `items` entries weighing at most `bytes`. A new entry starts among the half
/// that goes first unless it is asked for again (a page read once does not push out those read
/// every minute), in one shard: the entries are few and large (a national round's PDF is 1.4 MB).
fn bounded<K, V, W>(items: usize, bytes: u64, weighter: W) -> Cache<K, V, W>
where
    K: Eq + std::hash::Hash,
    V: Clone,
    W: Weighter<K, V> + Clone,
{
    let options = quick_cache::OptionsBuilder::new()
        .estimated_items_capacity(items)
        .weight_capacity(bytes)
        .hot_allocation(0.5)
        .shards(1)
        .build();
    match options {
        Ok(options) => Cache::with_options(options, weighter, Default::default(), Default::default()),
        Err(_) => Cache::with_weighter(items, bytes, weighter),
    }
}

impl Default for Caches {
    fn default() -> Caches {
        Caches::new()
    }
}

/// Whether the request's `If-None-Match` names `etag` (or `*`).
fn matches(request: &HeaderMap, etag: &HeaderValue) -> bool {
    let Some(sent) = request.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) else { return false };
    let ours = etag.to_str().unwrap_or_default();
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    sent.split(',').any(|t| t.trim() == "*" || bare(t) == bare(ours))
}

/// The headers that let a browser keep a published round's response and ask whether it changed:
/// kept, but always revalidated.
fn revalidate(h: &mut HeaderMap, etag: HeaderValue) {
    h.insert(header::ETAG, etag);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::VARY, HeaderValue::from_static("Cookie, Authorization"));
}

fn not_modified(etag: HeaderValue) -> Response {
    let mut res = StatusCode::NOT_MODIFIED.into_response();
    revalidate(res.headers_mut(), etag);
    res
}

/// The plan and year of a round's address: `/planer/{plan}/{year}/…` or `/api/v1/rounds/{plan}/{year}/…`.
fn round_address(path: &str) -> Option<(Slug, i32)> {
    let rest = path.strip_prefix("/planer/").or_else(|| path.strip_prefix("/api/v1/rounds/"))?;
    let mut parts = rest.split('/');
    let plan = Slug::parse(parts.next()?).ok()?;
    let year = parts.next()?.parse::<i32>().ok()?;
    Some((plan, year))
}

/// Reads a round's meta once per request: the middleware's and the handler's ask the same. A
/// published round's meta is taken from memory for a moment ([`META_FOR`]) when a page is read; a
/// round in progress, and any write, always asks the database.
pub(crate) async fn round_meta(
    parts: &mut axum::http::request::Parts,
    state: &AppState,
    plan: &Slug,
    year: i32,
) -> Result<RoundMeta, uppfolj_store::StoreError> {
    if let Some(meta) = parts.extensions.get::<RoundMeta>().filter(|m| &m.plan == plan && m.year == year) {
        return Ok(meta.clone());
    }
    let reading = parts.method == Method::GET || parts.method == Method::HEAD;
    let metas = &state.cache.metas;
    if reading && let Some(meta) = metas.get(plan, year) {
        parts.extensions.insert(meta.clone());
        return Ok(meta);
    }
    let (generation, read_at) = (metas.generation.load(Ordering::Acquire), Instant::now());
    let meta = state.store.round_meta(plan, year).await?;
    if reading {
        metas.put(&meta, generation, read_at);
    }
    parts.extensions.insert(meta.clone());
    Ok(meta)
}

/// Published rounds' pages for anonymous visitors: `304` for a browser that has the page, the page
/// from memory when it was made before, and the headers that let browsers revalidate. Pages for a
/// signed-in viewer show who is signed in and are never kept by a browser (`no-store`, see
/// `crate::security`); their reads still come from memory. Everything else passes untouched.
pub async fn published_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let signed_in = req.headers().contains_key(header::AUTHORIZATION)
        || crate::auth::cookie(req.headers(), crate::auth::SESSION_COOKIE).is_some();
    let address = round_address(req.uri().path()).filter(|_| method == Method::GET || method == Method::HEAD);
    if method != Method::GET && method != Method::HEAD {
        // A write may change what a published round's meta says (publishing, reopening).
        let res = next.run(req).await;
        state.cache.metas.forget();
        return res;
    }
    let Some((plan, year)) = address.filter(|_| !signed_in) else {
        return next.run(req).await;
    };
    let (mut parts, body) = req.into_parts();
    let viewer =
        match <Viewer as axum::extract::FromRequestParts<AppState>>::from_request_parts(&mut parts, &state).await {
            Ok(v) => v,
            Err(rejection) => return rejection.into_response(),
        };
    let meta = match round_meta(&mut parts, &state, &plan, year).await {
        Ok(m) if m.status == RoundStatus::Published && viewer.account.is_none() => m,
        // An open round, an address that is not a round, or a session cookie that turned out to be
        // someone's after all: the handler answers.
        _ => return next.run(Request::from_parts(parts, body)).await,
    };
    let key = PageKey {
        target: parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default(),
        revision: meta.revision,
        audience: String::new(),
        day: crate::auth::now().date(),
    };
    let etag = key.etag(&state.cache.boot);
    if matches(&parts.headers, &etag) {
        return not_modified(etag);
    }
    let cache = &state.cache.pages;
    if method == Method::GET
        && let Some(kept) = cache.get(&key)
    {
        let mut res = kept.response();
        revalidate(res.headers_mut(), etag);
        return res;
    }
    let csrf = viewer.csrf.clone();
    let res = next.run(Request::from_parts(parts, body)).await;
    if res.status() != StatusCode::OK
        || res.headers().contains_key(header::SET_COOKIE)
        || res.headers().get(header::CACHE_CONTROL).is_some_and(|v| v == "no-store")
    {
        return res;
    }
    let (mut head, body) = res.into_parts();
    revalidate(&mut head.headers, etag);
    if method != Method::GET {
        return Response::from_parts(head, body);
    }
    let bytes = match http_body_util::Limited::new(body, LARGEST_KEPT).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            tracing::error!(error = %e, "sidan kunde inte läsas för att sparas");
            return crate::AppError::Internal(format!("sidan: {e}")).into_response();
        }
    };
    // A page that carries the visitor's own CSRF code (a form) is theirs alone.
    let own = !csrf.is_empty() && bytes.windows(csrf.len()).any(|w| w == csrf.as_bytes());
    if !own {
        cache.insert(key, Arc::new(Kept::new(&head.headers, bytes.clone())));
    }
    Response::from_parts(head, Body::from(bytes))
}

use http_body_util::BodyExt as _;

/// About how many bytes a read holds: its texts and a fixed amount per cell and value.
fn approx_bytes(d: &Dataset) -> u64 {
    let texts = |m: &std::collections::BTreeMap<uppfolj_domain::RegionCode, String>| {
        m.values().map(|s| s.len() + 64).sum::<usize>()
    };
    let rounds: usize = d
        .rounds
        .iter()
        .map(|r| {
            r.introduction.len()
                + r.summary.iter().map(|s| s.text.len() + s.heading.len() + 256).sum::<usize>()
                + r.goals
                    .iter()
                    .map(|g| {
                        g.levels.len() * 48
                            + texts(&g.comments)
                            + texts(&g.condensed)
                            + g.rcc_comment.as_ref().map_or(0, String::len)
                            + 128
                    })
                    .sum::<usize>()
        })
        .sum();
    let goals: usize =
        d.goals().map(|(_, g)| g.text.len() + g.targets.iter().map(String::len).sum::<usize>() + 128).sum();
    let indicators: usize = d.indicators.iter().map(|i| i.values.len() * 96 + i.description.len() + 512).sum();
    let processes: usize =
        d.process_followups.iter().map(|f| f.comments.len() + f.other.len() + f.goals.len() * 512 + 1024).sum();
    (rounds + goals + indicators + processes + d.tallies.len() * 1024 + 4096) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_address_is_read_from_the_path() {
        let slug = |s: &str| Slug::parse(s).unwrap();
        assert_eq!(round_address("/planer/norr/2025/omraden/1"), Some((slug("norr"), 2025)));
        assert_eq!(round_address("/planer/norr/2025"), Some((slug("norr"), 2025)));
        assert_eq!(round_address("/api/v1/rounds/norr/2025/levels"), Some((slug("norr"), 2025)));
        assert_eq!(round_address("/planer/norr/handlingsplaner/SE-BD"), None);
        assert_eq!(round_address("/planer/norr"), None);
        assert_eq!(round_address("/static/uppfolj.css"), None);
    }

    fn meta(status: RoundStatus, revision: i64) -> RoundMeta {
        RoundMeta { plan: Slug::parse("norr").unwrap(), year: 2025, status, rounds: Vec::new(), revision }
    }

    #[test]
    fn a_published_rounds_meta_is_kept_until_something_is_written() {
        let metas = Metas::default();
        let plan = Slug::parse("norr").unwrap();
        let generation = metas.generation.load(Ordering::Acquire);
        metas.put(&meta(RoundStatus::Open, 1), generation, Instant::now());
        assert_eq!(metas.get(&plan, 2025), None, "a round in progress is always asked for");
        metas.put(&meta(RoundStatus::Published, 2), generation, Instant::now());
        assert_eq!(metas.get(&plan, 2025).map(|m| m.revision), Some(2));
        metas.forget();
        assert_eq!(metas.get(&plan, 2025), None, "a write forgets it");
        // Read before a write and kept after it: not kept.
        metas.put(&meta(RoundStatus::Published, 2), generation, Instant::now());
        assert_eq!(metas.get(&plan, 2025), None);
        let old = Instant::now().checked_sub(META_FOR + Duration::from_millis(10)).unwrap();
        metas.put(&meta(RoundStatus::Published, 3), metas.generation.load(Ordering::Acquire), old);
        assert_eq!(metas.get(&plan, 2025), None, "and only for a moment");
    }

    #[test]
    fn if_none_match_is_compared_weakly_and_as_a_list() {
        let etag = HeaderValue::from_static("W/\"abc\"");
        let mut h = HeaderMap::new();
        assert!(!matches(&h, &etag));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"xyz\", W/\"abc\""));
        assert!(matches(&h, &etag));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"abc\""));
        assert!(matches(&h, &etag));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("W/\"abd\""));
        assert!(!matches(&h, &etag));
    }

    #[test]
    fn the_entity_tag_changes_with_everything_the_page_is_made_of() {
        let day = time::macros::date!(2026 - 12 - 01);
        let key = PageKey { target: "/planer/norr/2025".to_owned(), revision: 7, audience: String::new(), day };
        let tag = key.etag("boot");
        assert_eq!(tag, key.etag("boot"));
        assert_ne!(tag, key.etag("another start"));
        assert_ne!(tag, PageKey { revision: 8, ..key.clone() }.etag("boot"));
        assert_ne!(tag, PageKey { audience: "rcc".to_owned(), ..key.clone() }.etag("boot"));
        assert_ne!(tag, PageKey { day: day.next_day().unwrap(), ..key.clone() }.etag("boot"));
        assert_ne!(tag, PageKey { target: "/planer/norr/2025/diagram".to_owned(), ..key }.etag("boot"));
    }
}
