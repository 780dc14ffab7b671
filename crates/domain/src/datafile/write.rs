//! A dataset written back as a data file (`uppfolj export data`).

use super::*;

/// Writes a dataset in the data file format. [`parse`] reads the result back to an equal dataset.
pub fn to_toml(d: &Dataset) -> Result<String, toml::ser::Error> {
    let codes: Vec<&RegionCode> = d.region_codes().collect();
    let file = FileData {
        // Version 1 unless the plan uses what version 2 added: older readers keep reading the rest.
        format: sp(
            if d.plan.predecessor.is_some()
                || d.plan.status != PlanStatus::Adopted
                || d.goals().any(|(_, g)| g.lineage.is_some() || g.retired_from.is_some())
            {
                FORMAT_VERSION
            } else {
                1
            },
        ),
        healthcare_region: FileHealthcareRegion {
            code: sp(d.healthcare_region.code.to_string()),
            name: d.healthcare_region.name.clone(),
            federation: d.healthcare_region.federation.clone(),
            rcc: d.healthcare_region.rcc.clone(),
            rcc_location: d.healthcare_region.rcc_location.clone(),
        },
        region: d
            .healthcare_region
            .regions
            .iter()
            .map(|r| FileRegion { code: sp(r.code.to_string()), name: r.name.clone() })
            .collect(),
        plan: FilePlan {
            slug: sp(d.plan.slug.to_string()),
            title: d.plan.title.clone(),
            start_year: sp(d.plan.start_year),
            end_year: d.plan.end_year,
            adopted_by: d.plan.adopted_by.clone(),
            adopted_on: sp(format_date(d.plan.adopted_on)),
            predecessor: d.plan.predecessor.as_ref().map(|p| sp(p.to_string())),
            status: (d.plan.status != PlanStatus::Adopted).then(|| sp(d.plan.status.as_str().to_owned())),
        },
        area: d
            .plan
            .areas
            .iter()
            .map(|a| FileArea {
                number: sp(a.number),
                title: a.title.clone(),
                goal: a
                    .goals
                    .iter()
                    .map(|g| FileGoal {
                        number: sp(g.number),
                        text: g.text.clone(),
                        targets: g.targets.clone(),
                        part_names: g.part_names.clone().map(|p| sp(p.to_vec())),
                        continues: g.lineage.iter().flat_map(|l| l.goals.iter().map(|r| sp(r.to_string()))).collect(),
                        link: g
                            .lineage
                            .as_ref()
                            .filter(|l| l.link != Link::Continues)
                            .map(|l| sp(l.link.as_str().to_owned())),
                        retired: g.retired_from.map(sp),
                    })
                    .collect(),
            })
            .collect(),
        round: d
            .rounds
            .iter()
            .map(|r| FileRound {
                year: sp(r.year),
                conducted: sp(r.conducted.to_string()),
                r#final: r.is_final,
                status: Some(sp(r.status.as_str().to_owned())),
                deadline: r.deadline.map(|d| sp(format_date(d))),
                states: codes.iter().map(|c| (c.to_string(), sp(r.state(c).as_str().to_owned()))).collect(),
                introduction: r.introduction.clone(),
                summary: r
                    .summary
                    .iter()
                    .map(|s| FileSummary {
                        heading: s.heading.clone(),
                        text: s.text.clone(),
                        claims: if s.claims.is_empty() {
                            None
                        } else {
                            Some(FileClaims {
                                achieved_everywhere: s
                                    .claims
                                    .achieved_everywhere
                                    .iter()
                                    .map(|g| sp(g.to_string()))
                                    .collect(),
                                achieved_all_but_one: s
                                    .claims
                                    .achieved_all_but_one
                                    .iter()
                                    .map(|g| sp(g.to_string()))
                                    .collect(),
                                far_along: s.claims.far_along.iter().map(|g| sp(g.to_string())).collect(),
                                furthest_area: s.claims.furthest_area.map(sp),
                                figures: s
                                    .claims
                                    .figures
                                    .iter()
                                    .map(|f| FileFigure {
                                        indicator: sp(f.indicator.to_string()),
                                        region: sp(f.scope.notation().to_owned()),
                                        period: sp(f.period.to_string()),
                                        value: f.value,
                                    })
                                    .collect(),
                            })
                        },
                    })
                    .collect(),
                goal: r
                    .goals
                    .iter()
                    .map(|g| FileGoalFollowUp {
                        goal: sp(g.goal.to_string()),
                        levels: codes.iter().map(|c| (c.to_string(), sp(g.level(c).to_string()))).collect(),
                        rcc_comment: g.rcc_comment.clone(),
                        comments: codes
                            .iter()
                            .filter_map(|c| g.comment(c).map(|t| (c.to_string(), sp(t.to_owned()))))
                            .collect(),
                        condensed: codes
                            .iter()
                            .filter_map(|c| g.condensed.get(*c).map(|t| (c.to_string(), sp(t.clone()))))
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
        process: d
            .processes
            .iter()
            .map(|p| FileProcess {
                slug: sp(p.slug.to_string()),
                name: p.name.clone(),
                leader: FilePerson {
                    name: p.leader.name.clone(),
                    title: p.leader.title.clone(),
                    organisation: p.leader.organisation.clone(),
                },
            })
            .collect(),
        process_followup: d
            .process_followups
            .iter()
            .map(|p| FileProcessFollowUp {
                process: sp(p.process.to_string()),
                year: sp(p.year),
                title: p.title.clone(),
                classification: sp(p.classification.as_str().to_owned()),
                plan_goals: p.plan_goals.iter().map(|g| sp(g.to_string())).collect(),
                signed_by: p.signed_by.clone(),
                signed_on: p.signed_on.map(|d| sp(format_date(d))),
                comments: p.comments.clone(),
                long_term: p.long_term.clone(),
                level_structuring: p.level_structuring.clone(),
                patient_involvement: p.patient_involvement.clone(),
                other: p.other.clone(),
                goal: p
                    .goals
                    .iter()
                    .map(|g| FileProcessGoal {
                        text: g.text.clone(),
                        current_state: g.current_state.clone(),
                        target_levels: g.target_levels.clone(),
                        target_date: g.target_date.clone(),
                        followup: g.followup.clone(),
                    })
                    .collect(),
            })
            .collect(),
        indicator: d
            .indicators
            .iter()
            .map(|i| FileIndicator {
                slug: sp(i.slug.to_string()),
                name: i.name.clone(),
                unit: i.unit.clone(),
                higher_is_better: i.higher_is_better,
                target: i.target,
                target_date: i.target_date.map(|d| sp(format_date(d))),
                source: i.source.clone(),
                description: i.description.clone(),
                goals: i.goals.iter().map(|g| sp(g.to_string())).collect(),
                value: i
                    .values
                    .iter()
                    .map(|v| FileIndicatorValue {
                        region: sp(v.scope.notation().to_owned()),
                        period: sp(v.period.to_string()),
                        value: sp(v.value),
                        extracted: v.extracted.map(|d| sp(format_date(d))),
                        note: v.note.clone(),
                    })
                    .collect(),
            })
            .collect(),
    };
    let version = *file.format.get_ref();
    let body = toml::to_string(&file)?;
    Ok(format!(
        "# Uppfölj-data, format {version}: planen {} med uppföljningar. Formatet beskrivs i docs/dataformat.md.\n\n{body}",
        d.plan.slug
    ))
}
