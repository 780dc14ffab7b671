//! Plans written in the app (RCC staff and admins): the next plan period drafted from an adopted or
//! closed plan — its areas and goals copied, each goal continuing the one it came from — then edited
//! while it is a draft: goal texts, targets and the old goals each carries on, new goals and areas.
//! Forms work without JavaScript; a refused form comes back with what was typed and the problem
//! at its field.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uppfolj_domain::ids::parse_date;
use uppfolj_domain::input::{TextKind, clean};
use uppfolj_domain::{Dataset, GoalRef, Lineage, Link, PlanStatus, Slug};
use uppfolj_store::{Actor, GoalDraft, NewPlan, StoreError};

use super::load_outline;
use crate::auth::{Viewer, now};
use crate::error::capitalise;
use crate::extract::{Form, Path};
use crate::views::{Crumb, Nav, crumb};
use crate::{AppError, AppState};

/// A form field: its name, label, what was typed, and the problem with it.
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan_successor.html")]
pub struct SuccessorPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    heading: String,
    intro: String,
    /// The healthcare regions a new plan may belong to (code, name, chosen); empty for a successor.
    regions: Vec<(String, String, bool)>,
    action: String,
    fields: Vec<Field>,
    error: Option<String>,
    button: &'static str,
}

#[derive(Deserialize, Default)]
pub struct SuccessorForm {
    #[serde(default)]
    titel: String,
    #[serde(default)]
    kortnamn: String,
    #[serde(default)]
    startar: String,
    #[serde(default)]
    slutar: String,
    #[serde(default)]
    faststalls_av: String,
    #[serde(default)]
    faststalls_den: String,
    #[serde(default)]
    sjukvardsregion: String,
}

/// The form of a new plan's name, years and adoption, with each problem at its field.
fn plan_form(viewer: &Viewer, f: &SuccessorForm, errors: &[(&str, String)], action: String) -> SuccessorPage {
    let error_of = |name: &str| errors.iter().find(|(n, _)| *n == name).map(|(_, m)| m.clone());
    let field =
        |name, label, kind, value: &str| Field { name, label, kind, value: value.to_owned(), error: error_of(name) };
    SuccessorPage {
        nav: Nav::of(viewer),
        crumbs: vec![crumb("/", "Start"), crumb("/ny-plan", "Ny plan")],
        heading: "Ny plan".to_owned(),
        intro: "En ny plan utan plan före: ett tomt utkast där du lägger till områden och mål.".to_owned(),
        regions: Vec::new(),
        action,
        fields: vec![
            field("titel", "Planens titel", "text", &f.titel),
            field("kortnamn", "Kortnamn i adresser (görs av titeln om det lämnas tomt)", "text", &f.kortnamn),
            field("startar", "Första år", "number", &f.startar),
            field("slutar", "Sista år", "number", &f.slutar),
            field("faststalls_av", "Fastställs av", "text", &f.faststalls_av),
            field("faststalls_den", "Fastställs den (planerat datum)", "date", &f.faststalls_den),
        ],
        error: errors.iter().find(|(n, _)| n.is_empty()).map(|(_, m)| m.clone()),
        button: "Skriv utkastet",
    }
}

fn successor_page(viewer: &Viewer, data: &Dataset, f: &SuccessorForm, errors: &[(&str, String)]) -> SuccessorPage {
    let slug = &data.plan.slug;
    let mut page = plan_form(viewer, f, errors, format!("/planer/{slug}/efterfoljare"));
    page.crumbs = vec![
        crumb("/", "Start"),
        crumb(format!("/planer/{slug}"), data.plan.title.clone()),
        crumb(format!("/planer/{slug}/efterfoljare"), "Nästa planperiod"),
    ];
    page.heading = "Nästa planperiod".to_owned();
    page.intro = format!(
        "En ny plan som följer {}. Den börjar som ett utkast med samma områden och mål, och varje mål fortsätter \
         målet det kommer från. Sedan skriver du om, lägger till och länkar målen innan planen fastställs.",
        data.plan.title
    );
    page
}

/// The form for the next plan period, from an adopted or closed plan.
pub async fn successor_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(plan): Path<String>,
) -> Result<SuccessorPage, AppError> {
    viewer.require(|a| a.is_rcc(), "skriva nästa plan")?;
    let data = load_outline(&state, &plan, &viewer).await?;
    let next = SuccessorForm {
        startar: (data.plan.end_year + 1).to_string(),
        slutar: (data.plan.end_year + 1 + data.plan.end_year - data.plan.start_year).to_string(),
        faststalls_av: data.plan.adopted_by.clone(),
        ..SuccessorForm::default()
    };
    Ok(successor_page(&viewer, &data, &next, &[]))
}

pub async fn successor_create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(plan): Path<String>,
    Form(f): Form<SuccessorForm>,
) -> Result<Response, AppError> {
    let account = viewer.require(|a| a.is_rcc(), "skriva nästa plan")?;
    let data = load_outline(&state, &plan, &viewer).await?;
    let new = match new_plan(&f) {
        Ok(new) => new,
        Err(errors) => {
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, successor_page(&viewer, &data, &f, &errors)).into_response());
        }
    };
    match state.store.create_successor(&data.plan.slug, &new, &Actor::user(account, now())).await {
        Ok(()) => Ok(Redirect::to(&format!("/planer/{}/utkast", new.slug)).into_response()),
        Err(StoreError::PlanExists(s)) => {
            let errors = [("kortnamn", taken(&s))];
            Ok((StatusCode::CONFLICT, successor_page(&viewer, &data, &f, &errors)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn taken(slug: &str) -> String {
    format!("Det finns redan en plan med kortnamnet \"{slug}\"; välj ett annat.")
}

type FieldErrors = Vec<(&'static str, String)>;

/// A new plan as the form names it, or every problem at its field.
fn new_plan(f: &SuccessorForm) -> Result<NewPlan, FieldErrors> {
    let mut errors: FieldErrors = Vec::new();
    let line = |errors: &mut FieldErrors, name, v: &str| match clean(TextKind::Line, v) {
        Ok(t) => t,
        Err(e) => {
            errors.push((name, capitalise(&e.to_string())));
            v.trim().to_owned()
        }
    };
    let title = line(&mut errors, "titel", &f.titel);
    if title.is_empty() {
        errors.push(("titel", "Skriv planens titel.".to_owned()));
    }
    let slug = if f.kortnamn.trim().is_empty() {
        Slug::from_title(&title)
    } else {
        Slug::parse(f.kortnamn.trim()).map_err(|e| errors.push(("kortnamn", capitalise(&e.to_string())))).ok()
    };
    if slug.is_none() && !errors.iter().any(|(n, _)| *n == "kortnamn" || *n == "titel") {
        errors.push(("kortnamn", "Skriv ett kortnamn: gemener a–z, siffror och bindestreck.".to_owned()));
    }
    let year = |errors: &mut FieldErrors, name, v: &str| {
        let y = v.trim().parse::<i32>().ok().filter(|y| (2000..=2100).contains(y));
        if y.is_none() {
            errors.push((name, format!("\"{}\" är inget årtal mellan 2000 och 2100.", v.trim())));
        }
        y
    };
    let (start, end) = (year(&mut errors, "startar", &f.startar), year(&mut errors, "slutar", &f.slutar));
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        errors.push(("slutar", "Sista året kan inte vara före det första.".to_owned()));
    }
    let adopted_by = line(&mut errors, "faststalls_av", &f.faststalls_av);
    let adopted_on = parse_date(f.faststalls_den.trim())
        .map_err(|e| errors.push(("faststalls_den", capitalise(&e.to_string()))))
        .ok();
    match (slug, start, end, adopted_on) {
        (Some(slug), Some(start_year), Some(end_year), Some(adopted_on)) if errors.is_empty() => {
            Ok(NewPlan { slug, title, start_year, end_year, adopted_by, adopted_on })
        }
        _ => Err(errors),
    }
}

/// The form for a plan from scratch, of one of the installation's healthcare regions.
pub async fn new_form(State(state): State<AppState>, viewer: Viewer) -> Result<SuccessorPage, AppError> {
    viewer.require(|a| a.is_rcc(), "skriva en ny plan")?;
    new_page(&state, &viewer, &SuccessorForm::default(), &[]).await
}

async fn new_page(
    state: &AppState,
    viewer: &Viewer,
    f: &SuccessorForm,
    errors: &[(&str, String)],
) -> Result<SuccessorPage, AppError> {
    let mut page = plan_form(viewer, f, errors, "/ny-plan".to_owned());
    page.regions = state
        .store
        .healthcare_regions()
        .await?
        .into_iter()
        // Only those the account is RCC staff of (an admin: all).
        .filter(|(code, _)| viewer.account.as_ref().is_some_and(|a| a.within(code).is_rcc()))
        .map(|(code, name)| (code.to_string(), name, code.as_str() == f.sjukvardsregion))
        .collect();
    if page.regions.is_empty() {
        page.error = Some("Det finns ingen sjukvårdsregion ännu: läs in en plan som datafil först.".to_owned());
    }
    Ok(page)
}

pub async fn new_create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(f): Form<SuccessorForm>,
) -> Result<Response, AppError> {
    let account = viewer.require(|a| a.is_rcc(), "skriva en ny plan")?;
    let region = Slug::parse(f.sjukvardsregion.trim()).ok();
    let (new, region) = match (new_plan(&f), region) {
        (Ok(new), Some(region)) => (new, region),
        (result, region) => {
            let mut errors = result.err().unwrap_or_default();
            if region.is_none() {
                errors.push(("", "Välj sjukvårdsregionen planen gäller.".to_owned()));
            }
            let page = new_page(&state, &viewer, &f, &errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    if !account.within(&region).is_rcc() {
        return Err(AppError::Forbidden(
            "Du har inte behörighet att skriva en plan för en annan sjukvårdsregion.".to_owned(),
        ));
    }
    match state.store.create_plan(&region, &new, &Actor::user(account, now())).await {
        Ok(()) => Ok(Redirect::to(&format!("/planer/{}/utkast", new.slug)).into_response()),
        Err(StoreError::PlanExists(s)) => {
            let page = new_page(&state, &viewer, &f, &[("kortnamn", taken(&s))]).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub struct GoalEditView {
    pub id: String,
    pub anchor: String,
    pub action: String,
    pub text: String,
    pub targets: String,
    pub part_a: String,
    pub part_b: String,
    pub link: String,
    pub continues: String,
    pub error: Option<String>,
}

pub struct AreaEditView {
    pub number: u32,
    pub title: String,
    pub rename: String,
    pub add_goal: String,
    pub goals: Vec<GoalEditView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan_draft.html")]
pub struct DraftPage {
    nav: Nav,
    crumbs: Vec<Crumb>,
    title: String,
    slug: String,
    predecessor: Option<String>,
    links: Vec<(&'static str, &'static str)>,
    areas: Vec<AreaEditView>,
}

/// The goal form as typed, when it was refused.
struct Typed<'a> {
    goal: GoalRef,
    form: &'a GoalForm,
    error: String,
}

fn draft_page(viewer: &Viewer, data: &Dataset, typed: Option<&Typed<'_>>) -> DraftPage {
    let slug = &data.plan.slug;
    let areas = data
        .plan
        .areas
        .iter()
        .map(|a| AreaEditView {
            number: a.number,
            title: a.title.clone(),
            rename: format!("/planer/{slug}/utkast/omraden/{}", a.number),
            add_goal: format!("/planer/{slug}/utkast/omraden/{}/mal", a.number),
            goals: a
                .goals
                .iter()
                .map(|g| {
                    let r = GoalRef::new(a.number, g.number);
                    let mut view = GoalEditView {
                        id: r.to_string(),
                        anchor: format!("mal-{}-{}", a.number, g.number),
                        action: format!("/planer/{slug}/utkast/mal/{r}"),
                        text: g.text.clone(),
                        targets: g.targets.join("\n"),
                        part_a: g.part_names.as_ref().map_or(String::new(), |p| p[0].clone()),
                        part_b: g.part_names.as_ref().map_or(String::new(), |p| p[1].clone()),
                        link: g.lineage.as_ref().map_or("", |l| l.link.as_str()).to_owned(),
                        continues: g.lineage.as_ref().map_or(String::new(), |l| {
                            l.goals.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                        }),
                        error: None,
                    };
                    if let Some(t) = typed.filter(|t| t.goal == r) {
                        view.text = t.form.text.clone();
                        view.targets = t.form.malnivaer.clone();
                        view.part_a = t.form.del_1.clone();
                        view.part_b = t.form.del_2.clone();
                        view.link = t.form.lank.clone();
                        view.continues = t.form.fortsatter.clone();
                        view.error = Some(t.error.clone());
                    }
                    view
                })
                .collect(),
        })
        .collect();
    DraftPage {
        nav: Nav::of(viewer),
        crumbs: vec![
            crumb("/", "Start"),
            crumb(format!("/planer/{slug}"), data.plan.title.clone()),
            crumb(format!("/planer/{slug}/utkast"), "Skriv planen"),
        ],
        title: data.plan.title.clone(),
        slug: slug.to_string(),
        predecessor: data.plan.predecessor.as_ref().map(ToString::to_string),
        links: vec![
            ("", "Nytt mål (fortsätter inget)"),
            (Link::Continues.as_str(), "Fortsätter ett mål (continues)"),
            (Link::Split.as_str(), "En del av ett mål som delas (split)"),
            (Link::Merge.as_str(), "Flera mål slås ihop (merge)"),
        ],
        areas,
    }
}

/// The draft, as RCC staff and admins see it (an adopted plan is not a draft), and who writes in it.
async fn draft(state: &AppState, viewer: &Viewer, plan: &str) -> Result<(Dataset, Actor), AppError> {
    let account = viewer.require(|a| a.is_rcc(), "skriva planen")?;
    let data = load_outline(state, plan, viewer).await?;
    if data.plan.status != PlanStatus::Draft {
        return Err(AppError::Conflict(format!(
            "Planen är {} och skrivs inte längre som utkast.",
            data.plan.status.label().to_lowercase()
        )));
    }
    Ok((data, Actor::user(account, now())))
}

/// An area's number from the address.
fn area_number(area: &str) -> Result<u32, AppError> {
    area.parse().map_err(|_| AppError::NotFound(format!("Planen har inget område \"{area}\".")))
}

pub async fn editor(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(plan): Path<String>,
) -> Result<DraftPage, AppError> {
    let (data, _) = draft(&state, &viewer, &plan).await?;
    Ok(draft_page(&viewer, &data, None))
}

#[derive(Deserialize)]
pub struct GoalForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    malnivaer: String,
    #[serde(default)]
    del_1: String,
    #[serde(default)]
    del_2: String,
    #[serde(default)]
    lank: String,
    #[serde(default)]
    fortsatter: String,
}

/// The lineage a goal form gives: none, or a link and the old goals; `Err` says what is wrong.
fn lineage_of(f: &GoalForm) -> Result<Option<Lineage>, String> {
    let refs: Vec<&str> = f.fortsatter.split([',', ' ', ';']).map(str::trim).filter(|s| !s.is_empty()).collect();
    let link = match f.lank.as_str() {
        "" if refs.is_empty() => return Ok(None),
        "" => return Err("Välj hur målet fortsätter målen i planen före, eller töm fältet med målen.".to_owned()),
        word => Link::parse(word).ok_or_else(|| format!("\"{word}\" är inget sätt att fortsätta ett mål."))?,
    };
    if refs.is_empty() {
        return Err("Skriv vilka mål i planen före det fortsätter, till exempel 3.3.".to_owned());
    }
    let goals =
        refs.iter().map(|r| GoalRef::parse(r).map_err(|e| capitalise(&e.to_string()))).collect::<Result<_, _>>()?;
    let lineage = Lineage { link, goals };
    lineage.check().map_err(|e| capitalise(&e))?;
    Ok(Some(lineage))
}

pub async fn edit_goal(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, goal)): Path<(String, String)>,
    Form(f): Form<GoalForm>,
) -> Result<Response, AppError> {
    let (data, actor) = draft(&state, &viewer, &plan).await?;
    let goal = super::parse_goal(&data, &goal)?;
    let refused = |error: String| {
        let typed = Typed { goal, form: &f, error };
        (StatusCode::UNPROCESSABLE_ENTITY, draft_page(&viewer, &data, Some(&typed))).into_response()
    };
    let lineage = match lineage_of(&f) {
        Ok(l) => l,
        Err(e) => return Ok(refused(e)),
    };
    let targets: Vec<String> =
        f.malnivaer.lines().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect();
    let part_names = match (f.del_1.trim(), f.del_2.trim()) {
        ("", "") => None,
        (a, b) => Some([a.to_owned(), b.to_owned()]),
    };
    let edit = GoalDraft { text: f.text.clone(), targets, part_names, lineage };
    match state.store.edit_goal(&data.plan.slug, goal, &edit, &actor).await {
        Ok(()) => {
            Ok(Redirect::to(&format!("/planer/{}/utkast#mal-{}-{}", data.plan.slug, goal.area, goal.goal))
                .into_response())
        }
        Err(StoreError::Invalid(m)) => Ok(refused(capitalise(&m))),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

pub async fn add_goal(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, area)): Path<(String, String)>,
    Form(f): Form<TextForm>,
) -> Result<Response, AppError> {
    let (data, actor) = draft(&state, &viewer, &plan).await?;
    let area = area_number(&area)?;
    let goal = state.store.add_goal(&data.plan.slug, area, &f.text, &actor).await?;
    Ok(Redirect::to(&format!("/planer/{}/utkast#mal-{}-{}", data.plan.slug, goal.area, goal.goal)).into_response())
}

pub async fn add_area(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(plan): Path<String>,
    Form(f): Form<TextForm>,
) -> Result<Response, AppError> {
    let (data, actor) = draft(&state, &viewer, &plan).await?;
    let number = state.store.add_area(&data.plan.slug, &f.text, &actor).await?;
    Ok(Redirect::to(&format!("/planer/{}/utkast#omrade-{number}", data.plan.slug)).into_response())
}

pub async fn rename_area(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, area)): Path<(String, String)>,
    Form(f): Form<TextForm>,
) -> Result<Response, AppError> {
    let (data, actor) = draft(&state, &viewer, &plan).await?;
    let area = area_number(&area)?;
    state.store.rename_area(&data.plan.slug, area, &f.text, &actor).await?;
    Ok(Redirect::to(&format!("/planer/{}/utkast#omrade-{area}", data.plan.slug)).into_response())
}

pub async fn remove_goal(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, goal)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (data, actor) = draft(&state, &viewer, &plan).await?;
    let goal = super::parse_goal(&data, &goal)?;
    state.store.remove_goal(&data.plan.slug, goal, &actor).await?;
    Ok(Redirect::to(&format!("/planer/{}/utkast#omrade-{}", data.plan.slug, goal.area)).into_response())
}

pub async fn move_goal_up(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, goal)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (data, actor) = draft(&state, &viewer, &plan).await?;
    let goal = super::parse_goal(&data, &goal)?;
    state.store.move_goal_up(&data.plan.slug, goal, &actor).await?;
    Ok(Redirect::to(&format!("/planer/{}/utkast#mal-{}-{}", data.plan.slug, goal.area, goal.goal - 1)).into_response())
}

pub async fn move_area_up(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, area)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (data, actor) = draft(&state, &viewer, &plan).await?;
    let area = area_number(&area)?;
    state.store.move_area_up(&data.plan.slug, area, &actor).await?;
    Ok(Redirect::to(&format!("/planer/{}/utkast#omrade-{}", data.plan.slug, area - 1)).into_response())
}

pub async fn remove_area(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((plan, area)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (data, actor) = draft(&state, &viewer, &plan).await?;
    let area = area_number(&area)?;
    state.store.remove_area(&data.plan.slug, area, &actor).await?;
    Ok(Redirect::to(&format!("/planer/{}/utkast", data.plan.slug)).into_response())
}

/// The draft's name, period and adoption, with each problem at its field.
fn details_page(viewer: &Viewer, data: &Dataset, f: &SuccessorForm, errors: &[(&str, String)]) -> SuccessorPage {
    let slug = &data.plan.slug;
    let mut page = plan_form(viewer, f, errors, format!("/planer/{slug}/utkast/uppgifter"));
    page.crumbs = vec![
        crumb("/", "Start"),
        crumb(format!("/planer/{slug}"), data.plan.title.clone()),
        crumb(format!("/planer/{slug}/utkast"), "Skriv planen"),
        crumb(format!("/planer/{slug}/utkast/uppgifter"), "Planens uppgifter"),
    ];
    page.heading = "Planens uppgifter".to_owned();
    page.intro = "Titel, kortnamn, period och fastställande ändras fritt så länge planen är ett utkast; ett nytt \
                  kortnamn ger planen en ny adress."
        .to_owned();
    page.button = "Spara uppgifterna";
    page
}

pub async fn details_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(plan): Path<String>,
) -> Result<SuccessorPage, AppError> {
    let (data, _) = draft(&state, &viewer, &plan).await?;
    let p = &data.plan;
    let now = SuccessorForm {
        titel: p.title.clone(),
        kortnamn: p.slug.to_string(),
        startar: p.start_year.to_string(),
        slutar: p.end_year.to_string(),
        faststalls_av: p.adopted_by.clone(),
        faststalls_den: uppfolj_domain::ids::format_date(p.adopted_on),
        sjukvardsregion: String::new(),
    };
    Ok(details_page(&viewer, &data, &now, &[]))
}

pub async fn details_save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(plan): Path<String>,
    Form(f): Form<SuccessorForm>,
) -> Result<Response, AppError> {
    let (data, actor) = draft(&state, &viewer, &plan).await?;
    let new = match new_plan(&f) {
        Ok(new) => new,
        Err(errors) => {
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, details_page(&viewer, &data, &f, &errors)).into_response());
        }
    };
    match state.store.edit_draft(&data.plan.slug, &new, &actor).await {
        Ok(()) => Ok(Redirect::to(&format!("/planer/{}/utkast", new.slug)).into_response()),
        Err(StoreError::PlanExists(s)) => {
            let errors = [("kortnamn", taken(&s))];
            Ok((StatusCode::CONFLICT, details_page(&viewer, &data, &f, &errors)).into_response())
        }
        Err(StoreError::Invalid(m)) => {
            let errors = [("", capitalise(&m))];
            Ok((StatusCode::UNPROCESSABLE_ENTITY, details_page(&viewer, &data, &f, &errors)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
