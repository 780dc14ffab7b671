use super::*;

const SMALL: &str = r#"
format = 1

[healthcare_region]
code = "test"
name = "Testregionen"
federation = "Testförbundet"
rcc = "RCC Test"
rcc_location = "Umeå"

[[region]]
code = "A"
name = "Region A"

[[region]]
code = "B"
name = "Region B"

[plan]
slug = "test-2022-2024"
title = "Testplan"
start_year = 2022
end_year = 2024
adopted_by = "Styrelsen"
adopted_on = "2022-06-06"

[[area]]
number = 1
title = "Område ett"

[[area.goal]]
number = 1
text = "Ett mål"

[[area.goal]]
number = 2
text = "Ett tvådelat mål"
part_names = ["inklusion", "ledtid"]

[[round]]
year = 2024
conducted = "2025-04"
final = true

[[round.goal]]
goal = "1.2"
levels = { A = "U/E", B = "" }
rcc_comment = "RCC säger något."

[round.goal.comments]
A = "A säger något."
"#;

#[test]
fn reads_a_small_file() {
    let d = parse(SMALL).unwrap();
    assert_eq!(d.healthcare_region.regions.len(), 2);
    let round = d.round(2024).unwrap();
    let a = RegionCode::parse("A").unwrap();
    let b = RegionCode::parse("B").unwrap();
    assert_eq!(round.level(GoalRef::new(1, 2), &a).to_string(), "U/E");
    assert_eq!(round.level(GoalRef::new(1, 2), &b), Level::Blank);
    assert_eq!(round.level(GoalRef::new(1, 1), &a), Level::Blank);
    assert_eq!(round.conducted, Period::Month(2025, 4));
}

#[test]
fn writes_what_it_reads() {
    let d = parse(SMALL).unwrap();
    let text = to_toml(&d).unwrap();
    assert_eq!(parse(&text).unwrap(), d, "{text}");
}

#[test]
fn a_bad_level_is_reported_with_line_and_path() {
    let bad = SMALL.replace("A = \"U/E\"", "A = \"X\"");
    let errs = parse(&bad).unwrap_err();
    assert_eq!(errs.0.len(), 1, "{errs}");
    let e = &errs.0[0];
    let line = bad.lines().position(|l| l.contains("\"X\"")).unwrap() + 1;
    assert_eq!(e.line, Some(line));
    assert_eq!(e.path, "omgång 2024 › mål 1.2 › nivå för A");
    assert!(e.message.contains("\"X\" är ingen giltig nivå"), "{}", e.message);
    assert!(errs.with_file("f.toml").starts_with(&format!("f.toml:{line}: omgång 2024")));
}

#[test]
fn every_problem_is_reported() {
    let bad = SMALL
        .replace("goal = \"1.2\"", "goal = \"1.9\"")
        .replace("number = 2\ntext", "number = 3\ntext")
        .replace("adopted_on = \"2022-06-06\"", "adopted_on = \"6 juni 2022\"");
    let errs = parse(&bad).unwrap_err();
    let text = errs.to_string();
    assert!(text.contains("planen har inget mål 1.9"), "{text}");
    assert!(text.contains("här väntades 2"), "{text}");
    assert!(text.contains("\"6 juni 2022\" är inget giltigt datum"), "{text}");
}

#[test]
fn unknown_region_and_unknown_field() {
    let bad = SMALL.replace("B = \"\"", "C = \"U\"");
    let text = parse(&bad).unwrap_err().to_string();
    assert!(text.contains("\"C\" är ingen av sjukvårdsregionens regioner (A, B)"), "{text}");
    let bad = SMALL.replace("rcc_location = \"Umeå\"", "rcc_location = \"Umeå\"\nrcc_town = \"x\"");
    let errs = parse(&bad).unwrap_err();
    assert!(errs.to_string().contains("okänt fält `rcc_town`"), "{errs}");
    assert_eq!(errs.0[0].line, Some(10));
    let errs = parse("format = 1\n[plan\n").unwrap_err();
    assert_eq!(errs.0[0].line, Some(2), "{errs}");
}
