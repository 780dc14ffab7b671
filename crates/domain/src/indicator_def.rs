//! An indicator's definition as the RCC writes it in a form: name, unit, direction, target with its
//! date, source, description and the goals it measures. Every field is checked before anything is
//! saved, and each problem names its field, so that the form can be shown again with the text kept.

use crate::ids::{GoalRef, Slug, format_date, parse_date, parse_number, with_unit};
use crate::input::{TextKind, clean};
use crate::model::{Dataset, Indicator};

/// What the form sent, as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DefinitionForm {
    /// Only read for a new indicator; empty means "make one from the name".
    pub slug: String,
    pub name: String,
    pub unit: String,
    /// `hogre` or `lagre`.
    pub direction: String,
    pub target: String,
    pub target_date: String,
    pub source: String,
    pub description: String,
    /// The goals ticked, as `area.goal`.
    pub goals: Vec<String>,
}

impl DefinitionForm {
    /// The form filled in with a stored definition.
    pub fn of(i: &Indicator) -> DefinitionForm {
        DefinitionForm {
            slug: i.slug.to_string(),
            name: i.name.clone(),
            unit: i.unit.clone(),
            direction: if i.higher_is_better { "hogre" } else { "lagre" }.to_owned(),
            target: i.target.map(crate::ids::number).unwrap_or_default(),
            target_date: i.target_date.map(format_date).unwrap_or_default(),
            source: i.source.clone(),
            description: i.description.clone(),
            goals: i.goals.iter().map(GoalRef::to_string).collect(),
        }
    }
}

/// A checked definition, ready to be saved.
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    pub slug: Slug,
    pub name: String,
    pub unit: String,
    pub higher_is_better: bool,
    pub target: Option<f64>,
    pub target_date: Option<time::Date>,
    pub source: String,
    pub description: String,
    pub goals: Vec<GoalRef>,
}

/// A problem with one field of the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The form field's name.
    pub field: &'static str,
    /// What the form calls it.
    pub label: &'static str,
    pub message: String,
}

/// A short name for addresses and files made from the indicator's name: "HPV-vaccination, dos 1"
/// becomes `hpv-vaccination-dos-1`.
pub fn suggest_slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'å' | 'ä' | 'à' | 'á' | 'â' => 'a',
            'ö' | 'ø' | 'ó' | 'ò' | 'ô' => 'o',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ü' | 'ú' | 'ù' => 'u',
            c => c,
        };
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out: String = out.trim_end_matches('-').chars().take(60).collect();
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// Checks the form against the plan. `editing` is the indicator being changed, `None` for a new one.
pub fn check(
    form: &DefinitionForm,
    data: &Dataset,
    editing: Option<&Indicator>,
) -> Result<Definition, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut err = |field: &'static str, label: &'static str, message: String| {
        errors.push(FieldError { field, label, message });
    };
    let others = || data.indicators.iter().filter(|i| editing.is_none_or(|e| e.slug != i.slug));
    // Every text by the rules of `input`; a text that cannot be stored is a problem at its field.
    let mut text = |kind: TextKind, raw: &str, field: &'static str, label: &'static str| match clean(kind, raw) {
        Ok(t) => (t, true),
        Err(e) => {
            err(field, label, crate::workflow::sentence(&e.to_string()));
            (raw.trim().to_owned(), false)
        }
    };
    let (name, name_ok) = text(TextKind::Line, &form.name, "name", "Namn");
    let (unit, unit_ok) = text(TextKind::Line, &form.unit, "unit", "Enhet");
    let (source, _) = text(TextKind::Line, &form.source, "source", "Källa");
    let (description, _) = text(TextKind::Long, &form.description, "description", "Beskrivning");

    if !name_ok {
    } else if name.is_empty() {
        err("name", "Namn", "Skriv indikatorns namn.".to_owned());
    } else if others().any(|i| i.name.trim().to_lowercase() == name.to_lowercase()) {
        err("name", "Namn", format!("Det finns redan en indikator som heter \"{name}\"."));
    }

    let slug = match editing {
        Some(i) => Some(i.slug.clone()),
        None => {
            let typed = form.slug.trim();
            let wanted = if typed.is_empty() { suggest_slug(&name) } else { typed.to_owned() };
            if wanted.is_empty() {
                if !name.is_empty() {
                    err(
                        "slug",
                        "Kortnamn",
                        "Skriv ett kortnamn med bokstäverna a–z, siffror och bindestreck.".to_owned(),
                    );
                }
                None
            } else {
                match Slug::parse(&wanted) {
                    Ok(s) if others().any(|i| i.slug == s) => {
                        err("slug", "Kortnamn", format!("Kortnamnet \"{s}\" används redan av en annan indikator."));
                        None
                    }
                    Ok(s) => Some(s),
                    Err(e) => {
                        err("slug", "Kortnamn", format!("{e}."));
                        None
                    }
                }
            }
        }
    };

    if unit_ok && unit.is_empty() {
        err("unit", "Enhet", "Skriv enheten, till exempel % eller per 100 000 invånare.".to_owned());
    }

    let higher_is_better = match form.direction.as_str() {
        "hogre" => Some(true),
        "lagre" => Some(false),
        _ => {
            err("direction", "Riktning", "Välj om ett högre eller ett lägre värde är bättre.".to_owned());
            None
        }
    };

    let target = match form.target.trim() {
        "" => None,
        t => match parse_number(t) {
            Some(v) if unit == "%" && !(0.0..=100.0).contains(&v) => {
                err("target", "Målvärde", format!("\"{t}\" ligger utanför 0–100 %."));
                None
            }
            Some(v) => Some(v),
            None => {
                err("target", "Målvärde", format!("\"{t}\" är inget tal: skriv till exempel 70 eller 12,5."));
                None
            }
        },
    };
    let target_date = match form.target_date.trim() {
        "" => None,
        d => match parse_date(d) {
            Ok(d) => Some(d),
            Err(e) => {
                err("target_date", "Måldatum", format!("{e}."));
                None
            }
        },
    };
    if target_date.is_some() && form.target.trim().is_empty() {
        err("target", "Målvärde", "Skriv målvärdet som ska nås senast måldatumet, eller ta bort datumet.".to_owned());
    }

    let mut goals = Vec::new();
    for g in &form.goals {
        match GoalRef::parse(g.trim()) {
            Ok(r) if data.goal(r).is_some() => {
                if !goals.contains(&r) {
                    goals.push(r);
                }
            }
            _ => err("goals", "Mål", format!("Planen har inget mål \"{}\".", g.trim())),
        }
    }
    if form.goals.is_empty() {
        err("goals", "Mål", "Välj minst ett mål som indikatorn mäter.".to_owned());
    }
    goals.sort();

    match (slug, higher_is_better) {
        (Some(slug), Some(higher_is_better)) if errors.is_empty() => {
            Ok(Definition { slug, name, unit, higher_is_better, target, target_date, source, description, goals })
        }
        _ => Err(errors),
    }
}

impl Definition {
    /// The definition of a stored indicator, its goals in plan order.
    pub fn of(i: &Indicator) -> Definition {
        let mut goals = i.goals.clone();
        goals.sort();
        Definition {
            slug: i.slug.clone(),
            name: i.name.clone(),
            unit: i.unit.clone(),
            higher_is_better: i.higher_is_better,
            target: i.target,
            target_date: i.target_date,
            source: i.source.clone(),
            description: i.description.clone(),
            goals,
        }
    }

    /// Each field in plain words, as the history shows it: (what, value).
    fn fields(&self) -> [(&'static str, String); 8] {
        [
            ("namn", self.name.clone()),
            ("enhet", self.unit.clone()),
            ("riktning", if self.higher_is_better { "högre är bättre" } else { "lägre är bättre" }.to_owned()),
            ("målvärde", self.target.map(|v| with_unit(v, &self.unit)).unwrap_or_default()),
            ("måldatum", self.target_date.map(format_date).unwrap_or_default()),
            ("källa", self.source.clone()),
            ("beskrivning", self.description.clone()),
            ("mål", self.goals.iter().map(GoalRef::to_string).collect::<Vec<_>>().join(", ")),
        ]
    }
}

/// What a change alters, field by field, as (what, before, after) in plain words for the history.
pub fn changes(old: &Indicator, new: &Definition) -> Vec<(&'static str, String, String)> {
    Definition::of(old)
        .fields()
        .into_iter()
        .zip(new.fields())
        .filter(|((_, a), (_, b))| a != b)
        .map(|((what, a), (_, b))| (what, a, b))
        .collect()
}

/// A whole definition in one line, for the audit event of a removal: nothing is lost without a trace.
pub fn describe(i: &Indicator) -> String {
    Definition::of(i)
        .fields()
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(what, v)| format!("{what}: {v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Dataset {
        crate::datafile::parse(include_str!("../../../demo/norr-2022-2024.toml")).expect("the demo parses")
    }

    fn filled() -> DefinitionForm {
        DefinitionForm {
            name: "Väntetid till första besök".to_owned(),
            unit: "dagar".to_owned(),
            direction: "lagre".to_owned(),
            target: "14".to_owned(),
            target_date: "2026-12-31".to_owned(),
            source: "SVF-data".to_owned(),
            goals: vec!["1.3".to_owned(), "1.1".to_owned()],
            ..DefinitionForm::default()
        }
    }

    #[test]
    fn a_good_form_is_a_definition_with_a_slug_from_its_name() {
        let d = check(&filled(), &demo(), None).expect("valid");
        assert_eq!(d.slug.as_str(), "vantetid-till-forsta-besok");
        assert!(!d.higher_is_better);
        assert_eq!(d.target, Some(14.0));
        assert_eq!(d.goals, vec![GoalRef::new(1, 1), GoalRef::new(1, 3)]);
    }

    #[test]
    fn each_problem_names_its_field() {
        let form = DefinitionForm {
            name: " ".to_owned(),
            unit: "%".to_owned(),
            direction: "".to_owned(),
            target: "120".to_owned(),
            target_date: "31/12/2026".to_owned(),
            goals: vec!["9.9".to_owned()],
            ..DefinitionForm::default()
        };
        let errs = check(&form, &demo(), None).expect_err("invalid");
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "direction", "target", "target_date", "goals"]);
        assert!(errs[2].message.contains("0–100"), "{errs:?}");
        assert!(errs[4].message.contains("9.9"), "{errs:?}");
    }

    #[test]
    fn names_and_slugs_are_unique_but_an_indicator_keeps_its_own() {
        let data = demo();
        let existing = &data.indicators[0];
        let mut form = DefinitionForm::of(existing);
        form.slug = String::new();
        let errs = check(&form, &data, None).expect_err("duplicate name");
        assert!(errs.iter().any(|e| e.field == "name"), "{errs:?}");
        form.name = "Något helt annat".to_owned();
        form.slug = existing.slug.to_string();
        let errs = check(&form, &data, None).expect_err("duplicate slug");
        assert_eq!(errs.iter().map(|e| e.field).collect::<Vec<_>>(), ["slug"]);
        let same = check(&DefinitionForm::of(existing), &data, Some(existing)).expect("own name is fine");
        assert!(changes(existing, &same).is_empty(), "{:?}", changes(existing, &same));
    }

    #[test]
    fn a_date_needs_a_value_and_a_percentage_stays_within_bounds() {
        let mut form = filled();
        form.target = String::new();
        let errs = check(&form, &demo(), None).expect_err("date without value");
        assert_eq!(errs.iter().map(|e| e.field).collect::<Vec<_>>(), ["target"]);
        form.unit = "%".to_owned();
        form.target = "70,5".to_owned();
        assert_eq!(check(&form, &demo(), None).expect("valid").target, Some(70.5));
    }

    #[test]
    fn changes_list_only_what_differs() {
        let data = demo();
        let i = &data.indicators[0];
        let mut form = DefinitionForm::of(i);
        form.target = "99".to_owned();
        form.source = "Nytt register".to_owned();
        let d = check(&form, &data, Some(i)).expect("valid");
        let c = changes(i, &d);
        assert_eq!(c.iter().map(|x| x.0).collect::<Vec<_>>(), ["målvärde", "källa"]);
        let inclusion = data.indicators.iter().find(|i| i.slug.as_str() == "svf-inklusion").expect("svf-inklusion");
        let all = describe(inclusion);
        assert!(
            all.starts_with("namn: Andel inkluderade i SVF; enhet: %; riktning: högre är bättre; målvärde: 70 %"),
            "{all}"
        );
        assert!(all.ends_with("mål: 3.3"), "{all}");
    }

    #[test]
    fn slugs_from_swedish_names() {
        assert_eq!(suggest_slug("HPV-vaccination, dos 1"), "hpv-vaccination-dos-1");
        assert_eq!(suggest_slug("  Åtgärder för äldre – öppenvård "), "atgarder-for-aldre-oppenvard");
        assert_eq!(suggest_slug("%%%"), "");
    }
}
