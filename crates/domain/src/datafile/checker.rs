//! The validation's bookkeeping: lines of problems, cleaned texts, references, claims.

use super::*;

pub(super) struct Checker<'a> {
    pub(super) src: &'a str,
    /// Where each line starts, found at the first problem: every later line number is a binary search,
    /// so a file with many problems is still checked in linear time.
    pub(super) line_starts: std::cell::OnceCell<Vec<usize>>,
    pub(super) errors: Vec<DataError>,
    /// A file Uppfölj wrote itself from what is stored (an edition): its texts are taken as they
    /// are, whatever the rules for what may be typed in (they were written before today's rules,
    /// or past the app).
    pub(super) stored: bool,
}

impl Checker<'_> {
    pub(super) fn line_of(&self, offset: usize) -> Option<usize> {
        if (offset == 0 && self.src.is_empty()) || offset > self.src.len() {
            return None;
        }
        let starts = self
            .line_starts
            .get_or_init(|| std::iter::once(0).chain(self.src.match_indices('\n').map(|(i, _)| i + 1)).collect());
        Some(starts.partition_point(|s| *s <= offset))
    }

    /// A text cleaned by the rules of [`crate::input`]; a text that cannot be stored is a problem at
    /// the line of `near` (the closest value the file gives a position for).
    pub(super) fn text(&mut self, kind: TextKind, raw: &str, path: &str, near: usize) -> String {
        if self.stored {
            return raw.to_owned();
        }
        match crate::input::clean(kind, raw) {
            Ok(t) => t,
            Err(e) => {
                let line = self.line_of(near);
                self.errors.push(DataError { line, path: path.to_owned(), message: e.to_string() });
                raw.trim().to_owned()
            }
        }
    }

    pub(super) fn texts(&mut self, kind: TextKind, raw: &[String], path: &str, near: usize) -> Vec<String> {
        raw.iter().map(|t| self.text(kind, t, path, near)).collect()
    }

    pub(super) fn err<T>(&mut self, at: &S<T>, path: impl Into<String>, message: impl Into<String>) {
        let line = self.line_of(at.span().start);
        self.errors.push(DataError { line, path: path.into(), message: message.into() });
    }

    pub(super) fn err_at(&mut self, offset: usize, path: impl Into<String>, message: impl Into<String>) {
        let line = self.line_of(offset);
        self.errors.push(DataError { line, path: path.into(), message: message.into() });
    }

    pub(super) fn err_nowhere(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(DataError { line: None, path: path.into(), message: message.into() });
    }

    pub(super) fn date(&mut self, v: &S<String>, path: &str) -> Option<time::Date> {
        match parse_date(v.get_ref()) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(v, path, e.to_string());
                None
            }
        }
    }

    pub(super) fn goal_ref(&mut self, v: &S<String>, path: &str, known: &BTreeSet<GoalRef>) -> Option<GoalRef> {
        match GoalRef::parse(v.get_ref()) {
            Ok(g) if known.contains(&g) => Some(g),
            Ok(g) => {
                self.err(v, path, format!("planen har inget mål {g}"));
                None
            }
            Err(e) => {
                self.err(v, path, e.to_string());
                None
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn claims(
    c: &mut Checker<'_>,
    f: &FileClaims,
    path: &str,
    known_goals: &BTreeSet<GoalRef>,
    regions: &BTreeSet<RegionCode>,
    indicators: &BTreeSet<String>,
    areas: usize,
) -> crate::summary::Claims {
    let goals = |c: &mut Checker<'_>, list: &[S<String>], what: &str| -> Vec<GoalRef> {
        list.iter().filter_map(|g| c.goal_ref(g, &format!("{path} › {what}"), known_goals)).collect()
    };
    let achieved_everywhere = goals(c, &f.achieved_everywhere, "achieved_everywhere");
    let achieved_all_but_one = goals(c, &f.achieved_all_but_one, "achieved_all_but_one");
    let far_along = goals(c, &f.far_along, "far_along");
    let furthest_area = f.furthest_area.as_ref().and_then(|a| {
        let n = *a.get_ref();
        if n >= 1 && usize::try_from(n).is_ok_and(|n| n <= areas) {
            Some(n)
        } else {
            c.err(a, format!("{path} › furthest_area"), format!("planen har inget område {n}"));
            None
        }
    });
    let mut figures = Vec::new();
    for fig in &f.figures {
        let fpath = format!("{path} › figures");
        if !indicators.contains(fig.indicator.get_ref()) {
            c.err(&fig.indicator, &fpath, format!("det finns ingen indikator \"{}\" i filen", fig.indicator.get_ref()));
            continue;
        }
        let scope = match Scope::parse(fig.region.get_ref()) {
            Ok(Scope::Region(r)) if !regions.contains(&r) => {
                c.err(&fig.region, &fpath, format!("\"{r}\" är ingen av sjukvårdsregionens regioner"));
                continue;
            }
            Ok(s) => s,
            Err(e) => {
                c.err(&fig.region, &fpath, e.to_string());
                continue;
            }
        };
        let period = match Period::parse(fig.period.get_ref()) {
            Ok(p) => p,
            Err(e) => {
                c.err(&fig.period, &fpath, e.to_string());
                continue;
            }
        };
        let Ok(indicator) = Slug::parse(fig.indicator.get_ref()) else { continue };
        figures.push(crate::summary::FigureClaim { indicator, scope, period, value: fig.value });
    }
    crate::summary::Claims { achieved_everywhere, achieved_all_but_one, far_along, furthest_area, figures }
}

pub(super) fn region_texts(
    c: &mut Checker<'_>,
    known: &BTreeSet<RegionCode>,
    texts: &IndexMap<String, S<String>>,
    path: &str,
) -> BTreeMap<RegionCode, String> {
    let mut out = BTreeMap::new();
    for (code, text) in texts {
        let path = format!("{path} {code}");
        let Some(code) = known_region(c, known, code, text, &path) else { continue };
        let t = c.text(TextKind::Comment, text.get_ref(), &path, text.span().start);
        if !t.is_empty() {
            out.insert(code, t);
        }
    }
    out
}

pub(super) fn known_region(
    c: &mut Checker<'_>,
    known: &BTreeSet<RegionCode>,
    code: &str,
    at: &S<String>,
    path: &str,
) -> Option<RegionCode> {
    match RegionCode::parse(code) {
        Ok(rc) if known.contains(&rc) => Some(rc),
        _ => {
            let list = known.iter().map(RegionCode::as_str).collect::<Vec<_>>().join(", ");
            c.err(at, path, format!("\"{code}\" är ingen av sjukvårdsregionens regioner ({list})"));
            None
        }
    }
}
