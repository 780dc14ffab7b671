//! JSON API v1: reading levels, writing one cell with its version, history; concurrent writers.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

async fn put(app: &TestApp, token: Option<&str>, path: &str, body: Value) -> (u16, Value) {
    let mut req = app.client.put(format!("{}{path}", app.address)).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("PUT");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get(app: &TestApp, token: Option<&str>, path: &str) -> (u16, Value) {
    let mut req = app.client.get(format!("{}{path}", app.address));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("GET");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

both_backends!(reading_levels, |backend| async move {
    let app = workflow_app(backend).await;
    let (status, cells) = get(&app, None, &format!("/api/v1/rounds/{PLAN}/2024/levels")).await;
    assert_eq!(status, 200);
    let cells = cells.as_array().expect("array");
    assert_eq!(cells.len(), 43 * 4);
    let svf: Vec<&Value> = cells.iter().filter(|c| c["area"] == 3 && c["goal"] == 3).collect();
    assert!(svf.iter().all(|c| c["level"] == "U/E"));
    let blank = cells.iter().find(|c| c["area"] == 1 && c["goal"] == 5 && c["region"] == "RJH").expect("1.5 RJH");
    assert_eq!(blank["level"], Value::Null);
    let area3: Vec<&Value> = cells.iter().filter(|c| c["area"] == 3).collect();
    insta::assert_json_snapshot!("api_levels_area_3", area3);

    // An open round: not for anonymous visitors; a region reporter sees only its own column.
    let (status, body) = get(&app, None, &format!("/api/v1/rounds/{PLAN}/2025/levels")).await;
    assert_eq!(status, 401);
    assert!(body["error"]["message"].as_str().unwrap_or("").contains("Authorization: Bearer"));
    let rn = token(&app.db, "rn");
    let (status, cells) = get(&app, Some(&rn), &format!("/api/v1/rounds/{PLAN}/2025/levels")).await;
    assert_eq!(status, 200);
    let cells = cells.as_array().expect("array");
    assert_eq!(cells.len(), 43);
    assert!(cells.iter().all(|c| c["region"] == "RN"));
    let rcc = token(&app.db, "rcc");
    let (_, all) = get(&app, Some(&rcc), &format!("/api/v1/rounds/{PLAN}/2025/levels")).await;
    assert_eq!(all.as_array().map(Vec::len), Some(172));
});

both_backends!(writing_a_cell, |backend| writing_a_cell(backend));

async fn writing_a_cell(backend: Backend) {
    let app = workflow_app(backend).await;
    let rn = token(&app.db, "rn");
    let cell = format!("/api/v1/rounds/{PLAN}/2025/goals/3.3/regions/RN");
    let (status, body) = put(&app, Some(&rn), &cell, json!({"level": "P", "comment": "Pågår.", "version": 1})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"area": 3, "goal": 3, "region": "RN", "level": "P", "comment": "Pågår.", "version": 2}));
    // Stale version.
    let (status, body) = put(&app, Some(&rn), &cell, json!({"level": "U", "comment": "", "version": 1})).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["error"]["message"].as_str().unwrap_or("").contains("Någon annan har ändrat"), "{body}");
    // Invalid level.
    let (status, body) = put(&app, Some(&rn), &cell, json!({"level": "X", "comment": "", "version": 2})).await;
    assert_eq!(status, 422);
    assert!(body["error"]["message"].as_str().unwrap_or("").contains("\"X\" är ingen giltig nivå"), "{body}");
    let (status, _) = put(&app, Some(&rn), &cell, json!({"level": "P"})).await;
    assert_eq!(status, 422, "version is required");
    // Another region's cell, no token, unknown goal.
    let other = format!("/api/v1/rounds/{PLAN}/2025/goals/3.3/regions/RV");
    let (status, body) = put(&app, Some(&rn), &other, json!({"level": "P", "comment": "", "version": 1})).await;
    assert_eq!(status, 403);
    assert!(body["error"]["message"].as_str().unwrap_or("").contains("ändra RVs svar"), "{body}");
    let (status, _) = put(&app, None, &cell, json!({"level": "P", "comment": "", "version": 2})).await;
    assert_eq!(status, 401);
    let (status, _) = put(
        &app,
        Some(&rn),
        &format!("/api/v1/rounds/{PLAN}/2025/goals/9.9/regions/RN"),
        json!({"level": "P", "comment": "", "version": 1}),
    )
    .await;
    assert_eq!(status, 404);
    // A published round is locked.
    let (status, body) = put(
        &app,
        Some(&rn),
        &format!("/api/v1/rounds/{PLAN}/2024/goals/3.3/regions/RN"),
        json!({"level": "U", "comment": "", "version": 1}),
    )
    .await;
    assert_eq!(status, 423, "{body}");
    // Blank is null.
    let (status, body) =
        put(&app, Some(&rn), &cell, json!({"level": null, "comment": "Ingen nivå ännu.", "version": 2})).await;
    assert_eq!(status, 200);
    assert_eq!(body["level"], Value::Null);
    // The history lists every change.
    let (status, events) = get(&app, Some(&rn), &format!("{cell}/history")).await;
    assert_eq!(status, 200);
    let events = events.as_array().expect("events");
    let summary: Vec<(String, Option<String>, Option<String>)> = events
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or("").to_owned(),
                e["old"].as_str().map(str::to_owned),
                e["new"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("level".to_owned(), None, Some("P".to_owned())),
            ("comment".to_owned(), None, Some("Pågår.".to_owned())),
            ("level".to_owned(), Some("P".to_owned()), None),
            ("comment".to_owned(), Some("Pågår.".to_owned()), Some("Ingen nivå ännu.".to_owned())),
        ]
    );
    assert!(events.iter().all(|e| e["actor"] == "Test rn"));
    // Once submitted, the region's own cells are locked for it.
    let mut b = Browser::new(&app);
    b.login("rn").await;
    b.post(&format!("/planer/{PLAN}/2025/regioner/RN"), &[("atgard", "skicka")]).await;
    let (status, _) = put(&app, Some(&rn), &cell, json!({"level": "U", "comment": "", "version": 3})).await;
    assert_eq!(status, 423);
}

both_backends!(concurrent_writers_never_overwrite_each_other, |backend| concurrent_writers_never_overwrite_each_other(
    backend
));

async fn concurrent_writers_never_overwrite_each_other(backend: Backend) {
    let app = workflow_app(backend).await;
    let rcc = token(&app.db, "rcc");
    let cell = format!("/api/v1/rounds/{PLAN}/2025/goals/2.2/regions/RVN");
    const WRITERS: usize = 12;
    // Round one: everyone writes on version 1 at once. Exactly one may win.
    let mut handles = Vec::new();
    for i in 0..WRITERS {
        let (client, url, token) = (app.client.clone(), format!("{}{cell}", app.address), rcc.clone());
        handles.push(tokio::spawn(async move {
            let r = client
                .put(url)
                .bearer_auth(token)
                .json(&json!({"level": "P", "comment": format!("skribent {i} först"), "version": 1}))
                .send()
                .await
                .expect("PUT");
            r.status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.expect("task"));
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), WRITERS - 1, "{statuses:?}");

    // Round two: everyone keeps trying (read the version, write on it) until it has written once.
    let mut handles = Vec::new();
    for i in 0..WRITERS {
        let (client, base, token, cell) = (app.client.clone(), app.address.clone(), rcc.clone(), cell.clone());
        handles.push(tokio::spawn(async move {
            for attempt in 0..500 {
                let levels: Value = client
                    .get(format!("{base}/api/v1/rounds/{PLAN}/2025/levels"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("GET")
                    .json()
                    .await
                    .expect("json");
                let version = levels
                    .as_array()
                    .and_then(|a| a.iter().find(|c| c["area"] == 2 && c["goal"] == 2 && c["region"] == "RVN"))
                    .and_then(|c| c["version"].as_i64())
                    .expect("version");
                let r = client
                    .put(format!("{base}{cell}"))
                    .bearer_auth(&token)
                    .json(&json!({"level": "P", "comment": format!("skribent {i}"), "version": version}))
                    .send()
                    .await
                    .expect("PUT");
                match r.status().as_u16() {
                    200 => return attempt,
                    409 => continue,
                    other => panic!("writer {i}: unexpected status {other}: {}", r.text().await.unwrap_or_default()),
                }
            }
            panic!("writer {i} never got through");
        }));
    }
    for h in handles {
        h.await.expect("task");
    }
    // Every write is in the history exactly once, and the version counted every one.
    let (_, events) = get(&app, Some(&rcc), &format!("{cell}/history")).await;
    let comments: Vec<String> = events
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["field"] == "comment")
        .filter_map(|e| e["new"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(comments.len(), WRITERS + 1);
    for i in 0..WRITERS {
        assert_eq!(comments.iter().filter(|c| **c == format!("skribent {i}")).count(), 1, "writer {i}");
    }
    let (_, levels) = get(&app, Some(&rcc), &format!("/api/v1/rounds/{PLAN}/2025/levels")).await;
    let version = levels
        .as_array()
        .and_then(|a| a.iter().find(|c| c["area"] == 2 && c["goal"] == 2 && c["region"] == "RVN"))
        .and_then(|c| c["version"].as_i64());
    assert_eq!(version, Some(1 + 1 + WRITERS as i64));
}
