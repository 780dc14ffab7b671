//! The summary as the data supports it, beside the RCC's own narrative, with the places where they
//! disagree. Every derived statement links to the cells it rests on.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use uppfolj_domain::summary::{DerivedSummary, derive};
use uppfolj_domain::{Dataset, GoalRef, Level};

use super::RoundAt;
use crate::auth::Viewer;
use crate::views::{Block, Crumb, LevelView, Nav, blocks, crumb, level_view};
use crate::{AppError, AppState};
use uppfolj_store::{IndicatorsRead, Previous, Shape};

pub struct GoalLink {
    pub id: String,
    pub href: String,
    pub text: String,
    pub note: Option<LevelView>,
    pub region: String,
}

pub struct WarningView {
    pub message: String,
    pub href: Option<String>,
    pub label: String,
}

pub struct NarrativeView {
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Template, WebTemplate)]
#[template(path = "summary.html")]
pub struct SummaryPage {
    nav: Nav,
    edit_href: String,
    crumbs: Vec<Crumb>,
    year: i32,
    warnings: Vec<WarningView>,
    /// The narrative's judgements, beside what the levels say.
    judgements: Vec<WarningView>,
    everywhere: Vec<GoalLink>,
    all_but_one: Vec<GoalLink>,
    not_started: Vec<GoalLink>,
    missing: Vec<GoalLink>,
    areas: Vec<(String, usize, usize, String, bool)>,
    previous_year: Option<i32>,
    changes: Vec<(GoalLink, LevelView, LevelView)>,
    narrative: Vec<NarrativeView>,
}

fn link(data: &Dataset, slug: &uppfolj_domain::Slug, year: i32, g: GoalRef) -> GoalLink {
    GoalLink {
        id: g.to_string(),
        href: format!("/planer/{slug}/{year}/omraden/{}#mal-{}-{}", g.area, g.area, g.goal),
        text: data.goal(g).map(|x| x.text.clone()).unwrap_or_default(),
        note: None,
        region: String::new(),
    }
}

pub fn build(data: &Dataset, year: i32, viewer: &Viewer, s: &DerivedSummary) -> SummaryPage {
    let slug = &data.plan.slug;
    let part_names = |g: GoalRef| data.goal(g).and_then(|x| x.part_names.clone());
    let with_level = |g: GoalRef, region: String, level: Level| GoalLink {
        note: Some(level_view(level, part_names(g).as_ref())),
        region,
        ..link(data, slug, year, g)
    };
    SummaryPage {
        nav: Nav::of(viewer),
        edit_href: format!("/planer/{slug}/{year}/sammanfattning/redigera"),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/{year}/granskning"), format!("Granskning {year}")),
            crumb(format!("/planer/{slug}/{year}/sammanfattning"), "Sammanfattning"),
        ],
        year,
        warnings: s
            .warnings
            .iter()
            .map(|w| WarningView {
                message: w.message.clone(),
                href: w.goal.map(|g| format!("/planer/{slug}/{year}/omraden/{}#mal-{}-{}", g.area, g.area, g.goal)),
                label: w.goal.map(|g| format!("Visa mål {g}")).unwrap_or_default(),
            })
            .collect(),
        judgements: s
            .judgements
            .iter()
            .map(|j| WarningView {
                message: j.message.clone(),
                href: Some(format!(
                    "/planer/{slug}/{year}/omraden/{}#mal-{}-{}",
                    j.goal.area, j.goal.area, j.goal.goal
                )),
                label: format!("Visa mål {}", j.goal),
            })
            .collect(),
        everywhere: s.achieved_everywhere.iter().map(|g| link(data, slug, year, *g)).collect(),
        all_but_one: s.achieved_all_but_one.iter().map(|a| with_level(a.goal, a.region.to_string(), a.level)).collect(),
        not_started: s.not_started_anywhere.iter().map(|g| link(data, slug, year, *g)).collect(),
        missing: s
            .missing_levels
            .iter()
            .map(|m| GoalLink {
                region: m.regions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                ..link(data, slug, year, m.goal)
            })
            .collect(),
        areas: s
            .areas
            .iter()
            .map(|a| {
                (
                    format!("{}. {}", a.area, a.title),
                    a.achieved,
                    a.cells,
                    format!("{} %", (a.share * 100.0).round()),
                    s.furthest_area == Some(a.area),
                )
            })
            .collect(),
        previous_year: s.previous_year,
        changes: s
            .changes
            .iter()
            .map(|c| {
                (
                    GoalLink { region: c.region.to_string(), ..link(data, slug, year, c.goal) },
                    level_view(c.from, part_names(c.goal).as_ref()),
                    level_view(c.to, part_names(c.goal).as_ref()),
                )
            })
            .collect(),
        narrative: data
            .round(year)
            .map(|r| {
                r.summary
                    .iter()
                    .map(|x| NarrativeView { heading: x.heading.clone(), blocks: blocks(&x.text) })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

pub async fn page(State(state): State<AppState>, at: RoundAt) -> Result<SummaryPage, AppError> {
    at.viewer.require(|a| a.is_rcc(), "se den härledda sammanfattningen och kontrollerna")?;
    let shape =
        Shape { narrative: true, previous: Previous::Any, indicators: IndicatorsRead::Values, ..Shape::levels() };
    let data = at.read(&state, shape).await?;
    let round = super::round_in(&data, at.year)?;
    let s = derive(&data, round);
    Ok(build(&data, at.year, &at.viewer, &s))
}

pub struct SectionEdit {
    pub n: usize,
    pub heading: String,
    pub text: String,
    pub everywhere: String,
    pub all_but_one: String,
    pub far_along: String,
    pub furthest: String,
    pub figures: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "narrative_edit.html")]
pub struct NarrativePage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    action: String,
    year: i32,
    open: bool,
    version: i32,
    introduction: String,
    sections: Vec<SectionEdit>,
    error: Option<String>,
}

fn goals_text(v: &[GoalRef]) -> String {
    v.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

fn section_edit(n: usize, s: &uppfolj_domain::SummarySection) -> SectionEdit {
    SectionEdit {
        n,
        heading: s.heading.clone(),
        text: s.text.clone(),
        everywhere: goals_text(&s.claims.achieved_everywhere),
        all_but_one: goals_text(&s.claims.achieved_all_but_one),
        far_along: goals_text(&s.claims.far_along),
        furthest: s.claims.furthest_area.map(|a| a.to_string()).unwrap_or_default(),
        figures: s
            .claims
            .figures
            .iter()
            .map(|f| {
                let who = match &f.scope {
                    uppfolj_domain::Scope::Region(r) => r.to_string(),
                    uppfolj_domain::Scope::HealthcareRegion => "sjukvårdsregionen".to_owned(),
                    uppfolj_domain::Scope::National => "riket".to_owned(),
                };
                format!("{} {who} {} {}", f.indicator, f.period, uppfolj_domain::ids::number(f.value).replace('−', "-"))
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn empty_section(n: usize) -> SectionEdit {
    SectionEdit {
        n,
        heading: String::new(),
        text: String::new(),
        everywhere: String::new(),
        all_but_one: String::new(),
        far_along: String::new(),
        furthest: String::new(),
        figures: String::new(),
    }
}

/// Whether the round is open, and the version of its text.
struct TextState {
    open: bool,
    version: i32,
}

async fn narrative_context(state: &AppState, at: RoundAt) -> Result<(Arc<Dataset>, i32, TextState, Viewer), AppError> {
    at.viewer.require(|a| a.is_rcc(), "skriva inledningen och sammanfattningen")?;
    let data =
        at.read(state, Shape { narrative: true, indicators: IndicatorsRead::Definitions, ..Shape::default() }).await?;
    let version = state.store.narrative_version(at.slug(), at.year).await?;
    let open = at.status() == uppfolj_domain::RoundStatus::Open;
    let RoundAt { year, viewer, .. } = at;
    Ok((data, year, TextState { open, version }, viewer))
}

fn narrative_page(
    data: &Dataset,
    year: i32,
    viewer: &Viewer,
    work: &TextState,
    introduction: String,
    mut sections: Vec<SectionEdit>,
    error: Option<String>,
) -> NarrativePage {
    let slug = &data.plan.slug;
    sections.push(empty_section(sections.len() + 1));
    NarrativePage {
        nav: Nav::of(viewer),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}/{year}/sammanfattning"), format!("Sammanfattning {year}")),
            crumb(format!("/planer/{slug}/{year}/sammanfattning/redigera"), "Redigera"),
        ],
        action: format!("/planer/{slug}/{year}/sammanfattning/redigera"),
        year,
        open: work.open,
        version: work.version,
        introduction,
        sections,
        error,
    }
}

pub async fn edit_form(State(state): State<AppState>, at: RoundAt) -> Result<NarrativePage, AppError> {
    let (data, year, work, viewer) = narrative_context(&state, at).await?;
    let round = data.round(year).ok_or_else(|| AppError::NotFound(format!("Ingen uppföljning för {year}.")))?;
    let sections = round.summary.iter().enumerate().map(|(i, s)| section_edit(i + 1, s)).collect();
    let intro = round.introduction.clone();
    Ok(narrative_page(&data, year, &viewer, &work, intro, sections, None))
}

/// Reads one section's claims from the form, or says what is wrong and where.
fn parse_claims(data: &Dataset, n: usize, s: &SectionEdit) -> Result<uppfolj_domain::summary::Claims, String> {
    let where_ = |what: &str| format!("Avsnitt {n}, {what}");
    let goals = |text: &str, what: &str| -> Result<Vec<GoalRef>, String> {
        text.split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| match GoalRef::parse(t) {
                Ok(g) if data.goal(g).is_some() => Ok(g),
                Ok(g) => Err(format!("{}: planen har inget mål {g}.", where_(what))),
                Err(e) => Err(format!("{}: {e}.", where_(what))),
            })
            .collect()
    };
    let furthest = match s.furthest.trim() {
        "" => None,
        t => match t.parse::<u32>() {
            Ok(a) if data.plan.areas.iter().any(|x| x.number == a) => Some(a),
            _ => return Err(format!("{}: \"{t}\" är inget av planens områden.", where_("område längst från målen"))),
        },
    };
    let mut figures = Vec::new();
    for line in s.figures.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let what = "siffror";
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [indicator, region, period, value] = parts.as_slice() else {
            return Err(format!(
                "{}: \"{line}\" ska skrivas som indikator region period värde, till exempel svf-ledtid RVN 2024 45.",
                where_(what)
            ));
        };
        let slug = uppfolj_domain::Slug::parse(indicator)
            .ok()
            .filter(|s| data.indicators.iter().any(|i| &i.slug == s))
            .ok_or_else(|| format!("{}: det finns ingen indikator \"{indicator}\".", where_(what)))?;
        let scope = match *region {
            "riket" => uppfolj_domain::Scope::National,
            "sjukvårdsregionen" => uppfolj_domain::Scope::HealthcareRegion,
            code => uppfolj_domain::RegionCode::parse(code)
                .ok()
                .filter(|c| data.region_codes().any(|x| x == c))
                .map(uppfolj_domain::Scope::Region)
                .ok_or_else(|| {
                    format!(
                        "{}: \"{code}\" är ingen region (skriv en regionkod, riket eller sjukvårdsregionen).",
                        where_(what)
                    )
                })?,
        };
        let period = uppfolj_domain::Period::parse(period).map_err(|e| format!("{}: {e}.", where_(what)))?;
        let value: f64 = value
            .replace(',', ".")
            .replace('−', "-")
            .parse()
            .map_err(|_| format!("{}: \"{value}\" är inget tal.", where_(what)))?;
        figures.push(uppfolj_domain::summary::FigureClaim { indicator: slug, scope, period, value });
    }
    Ok(uppfolj_domain::summary::Claims {
        achieved_everywhere: goals(&s.everywhere, "uppnått i alla regioner")?,
        achieved_all_but_one: goals(&s.all_but_one, "uppnått i alla utom en")?,
        far_along: goals(&s.far_along, "långt komna enligt RCC:s bedömning")?,
        furthest_area: furthest,
        figures,
    })
}

pub async fn edit_save(
    State(state): State<AppState>,
    at: RoundAt,
    crate::extract::Form(form): crate::extract::Form<crate::views::FormMap>,
) -> Result<axum::response::Response, AppError> {
    use crate::views::form_value;
    use axum::response::IntoResponse;
    let (data, year, work, viewer) = narrative_context(&state, at).await?;
    let account = viewer.require(|a| a.is_rcc(), "skriva inledningen och sammanfattningen")?;
    let introduction = form_value(&form, "introduction").trim().to_owned();
    let mut edits = Vec::new();
    let mut n = 1;
    while form.contains_key(&format!("heading_{n}")) {
        let f = |k: &str| form_value(&form, &format!("{k}_{n}")).trim().to_owned();
        edits.push(SectionEdit {
            n,
            heading: f("heading"),
            text: f("text"),
            everywhere: f("everywhere"),
            all_but_one: f("allbutone"),
            far_along: f("farlong"),
            furthest: f("furthest"),
            figures: f("figures"),
        });
        n += 1;
    }
    // Sections left empty are dropped; a section needs a heading.
    edits.retain(|s| {
        !(s.heading.is_empty()
            && s.text.is_empty()
            && s.everywhere.is_empty()
            && s.all_but_one.is_empty()
            && s.far_along.is_empty()
            && s.furthest.is_empty()
            && s.figures.is_empty())
    });
    let mut sections = Vec::new();
    let mut error = None;
    for (i, s) in edits.iter().enumerate() {
        if s.heading.is_empty() {
            error = Some(format!("Avsnitt {} saknar rubrik.", i + 1));
            break;
        }
        match parse_claims(&data, i + 1, s) {
            Ok(claims) => sections.push(uppfolj_domain::SummarySection {
                heading: s.heading.clone(),
                text: s.text.clone(),
                claims,
            }),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    let renumbered =
        |edits: Vec<SectionEdit>| edits.into_iter().enumerate().map(|(i, s)| SectionEdit { n: i + 1, ..s }).collect();
    if let Some(e) = error {
        let page = narrative_page(
            &data,
            year,
            &viewer,
            &work,
            introduction,
            renumbered(edits),
            Some(format!("Ingenting sparades. {e}")),
        );
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let version = crate::views::version_field(&form, "version")?;
    let slug = data.plan.slug.clone();
    match state
        .store
        .save_narrative(
            &slug,
            year,
            &introduction,
            &sections,
            version,
            &uppfolj_store::Actor::user(account, crate::auth::now()),
        )
        .await
    {
        Ok(_) => Ok(axum::response::Redirect::to(&format!("/planer/{slug}/{year}/sammanfattning")).into_response()),
        Err(uppfolj_store::StoreError::Stale { .. }) => {
            let page = narrative_page(
                &data,
                year,
                &viewer,
                &work,
                introduction,
                renumbered(edits),
                Some("Ingenting sparades: någon annan har ändrat texten medan du skrev. Din text står kvar nedan; kopiera det du vill behålla, ladda om sidan och gör om ändringen.".to_owned()),
            );
            Ok((axum::http::StatusCode::CONFLICT, page).into_response())
        }
        // A text the store cannot take (too long, a direction override): said above the form, the
        // text kept to be mended.
        Err(uppfolj_store::StoreError::Invalid(m)) => {
            let page = narrative_page(
                &data,
                year,
                &viewer,
                &work,
                introduction,
                renumbered(edits),
                Some(format!("Ingenting sparades. {}", uppfolj_domain::workflow::sentence(&m))),
            );
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
