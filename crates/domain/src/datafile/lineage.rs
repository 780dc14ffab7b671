//! Goals that carry on the goals of the plan before (format 2): `predecessor` under `[plan]`, and on a
//! goal `continues = ["3.3"]` with `link = "continues" | "split" | "merge"`. [`super::parse`] checks
//! what one file can show — the words, the counts, that every old goal is continued once, split into
//! several or merged into one — and [`check_lineage`] that the goals named exist in the predecessor,
//! once it is known (in the database, or among the files of the same import). Also the plan's
//! `status` (version 2 too): a draft has no rounds.

use super::*;

/// A data file's `predecessor`, when it names another plan.
pub(super) fn predecessor(c: &mut Checker<'_>, p: &FilePlan, own: Option<&Slug>, version: u32) -> Option<Slug> {
    let v = p.predecessor.as_ref()?;
    if version < 2 {
        c.err(v, "plan › predecessor", "predecessor finns från format = 2: skriv format = 2 överst i filen");
        return None;
    }
    match Slug::parse(v.get_ref()) {
        Ok(s) if Some(&s) == own => {
            c.err(v, "plan › predecessor", "planen kan inte vara sin egen föregångare");
            None
        }
        Ok(s) => Some(s),
        Err(e) => {
            c.err(v, "plan › predecessor", e.to_string());
            None
        }
    }
}

/// A data file's plan status (adopted unless it says otherwise); a draft has no rounds yet.
pub(super) fn status(c: &mut Checker<'_>, p: &FilePlan, version: u32, has_rounds: bool) -> PlanStatus {
    let Some(v) = &p.status else { return PlanStatus::Adopted };
    if version < 2 {
        c.err(v, "plan › status", "status finns från format = 2: skriv format = 2 överst i filen");
        return PlanStatus::Adopted;
    }
    match PlanStatus::parse(v.get_ref()) {
        Some(PlanStatus::Draft) if has_rounds => {
            c.err(v, "plan › status", "ett utkast har inga uppföljningar: fastställ planen innan den följs upp");
            PlanStatus::Draft
        }
        Some(s) => s,
        None => {
            c.err(
                v,
                "plan › status",
                format!(
                    "\"{}\" är ingen status för en plan: skriv \"draft\", \"adopted\" eller \"closed\"",
                    v.get_ref()
                ),
            );
            PlanStatus::Adopted
        }
    }
}

/// The lineage of one goal as the file gives it; every problem reported at its line.
pub(super) fn of_goal(c: &mut Checker<'_>, g: &FileGoal, path: &str, version: u32) -> Option<Lineage> {
    let Some(first) = g.continues.first() else {
        if let Some(l) = &g.link {
            c.err(
                l,
                format!("{path} › link"),
                "link säger hur målet fortsätter föregångarens mål: ange också continues",
            );
        }
        return None;
    };
    let at = format!("{path} › continues");
    if version < 2 {
        c.err(first, &at, "continues finns från format = 2: skriv format = 2 överst i filen");
        return None;
    }
    let link = match &g.link {
        None => Link::Continues,
        Some(l) => match Link::parse(l.get_ref()) {
            Some(k) => k,
            None => {
                c.err(
                    l,
                    format!("{path} › link"),
                    format!("\"{}\" är ingen länk: skriv \"continues\", \"split\" eller \"merge\"", l.get_ref()),
                );
                return None;
            }
        },
    };
    let mut goals = Vec::new();
    for r in &g.continues {
        match GoalRef::parse(r.get_ref()) {
            Ok(x) => goals.push(x),
            Err(e) => c.err(r, &at, e.to_string()),
        }
    }
    if goals.len() != g.continues.len() {
        return None;
    }
    let lineage = Lineage { link, goals };
    if let Err(message) = lineage.check() {
        c.err(first, &at, message);
        return None;
    }
    Some(lineage)
}

/// What only the whole file shows: goals that continue need a predecessor, and each old goal is
/// continued by one goal, split into at least two, or merged into one.
pub(super) fn across_goals(c: &mut Checker<'_>, f: &FileData, predecessor: Option<&Slug>, areas: &[Area]) {
    // Where in the file each goal's `continues` is, to point at its line.
    let mut at: BTreeMap<GoalRef, usize> = BTreeMap::new();
    let mut linked = Vec::new();
    for (fa, a) in f.area.iter().zip(areas) {
        for (fg, g) in fa.goal.iter().zip(&a.goals) {
            let (Some(l), Some(first)) = (&g.lineage, fg.continues.first()) else { continue };
            let new = GoalRef::new(a.number, g.number);
            at.insert(new, first.span().start);
            linked.push((new, l));
        }
    }
    if predecessor.is_none() && f.plan.predecessor.is_none() {
        if let Some((new, offset)) = at.iter().next() {
            c.err_at(
                *offset,
                format!("mål {new} › continues"),
                "continues anger mål i planen före: ange den planen som predecessor under [plan]",
            );
        }
        return;
    }
    for (new, link_is_wrong, message) in crate::model::lineage_problems(linked) {
        let field = if link_is_wrong { "link" } else { "continues" };
        c.err_at(at.get(&new).copied().unwrap_or(0), format!("mål {new} › {field}"), message);
    }
}

/// Checks that every goal a data file's goals continue is a goal of its predecessor: `predecessor`
/// holds the predecessor's goals, `None` when no such plan is known. Every problem with its line.
pub fn check_lineage(src: &str, predecessor: Option<&BTreeSet<GoalRef>>) -> Result<(), DataErrors> {
    let file: FileData = toml::from_str(src).map_err(|e| {
        DataErrors(vec![DataError { line: None, path: String::new(), message: e.message().to_owned() }])
    })?;
    let Some(named) = &file.plan.predecessor else { return Ok(()) };
    let mut c = Checker { src, line_starts: std::cell::OnceCell::new(), errors: Vec::new(), stored: false };
    match predecessor {
        None => c.err(
            named,
            "plan › predecessor",
            format!(
                "planen \"{}\" finns inte, varken i databasen eller bland filerna som läses in: läs in den först",
                named.get_ref()
            ),
        ),
        Some(goals) => {
            for a in &file.area {
                for g in &a.goal {
                    for r in &g.continues {
                        if let Ok(old) = GoalRef::parse(r.get_ref())
                            && !goals.contains(&old)
                        {
                            c.err(
                                r,
                                format!(
                                    "område {} › mål {}.{} › continues",
                                    a.number.get_ref(),
                                    a.number.get_ref(),
                                    g.number.get_ref()
                                ),
                                format!("planen \"{}\" har inget mål {old}", named.get_ref()),
                            );
                        }
                    }
                }
            }
        }
    }
    if c.errors.is_empty() { Ok(()) } else { Err(DataErrors(c.errors)) }
}

/// A goal's `retired` year (format 2): within the plan's period, and not the period's first year (a
/// goal never followed up is removed from the draft instead).
pub(super) fn retired(c: &mut Checker<'_>, g: &FileGoal, path: &str, version: u32, years: (i32, i32)) -> Option<i32> {
    let v = g.retired.as_ref()?;
    let at = format!("{path} › retired");
    if version < 2 {
        c.err(v, &at, "retired finns från format = 2: skriv format = 2 överst i filen");
        return None;
    }
    let year = *v.get_ref();
    if year <= years.0 || year > years.1 {
        c.err(
            v,
            &at,
            format!("{year} ligger inte inom planperioden efter dess första år ({}–{})", years.0 + 1, years.1),
        );
        return None;
    }
    Some(year)
}
