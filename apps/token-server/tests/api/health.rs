use crate::helpers::spawn_app;

#[test]
fn liveness_answers_ok() {
    let app = spawn_app(&[]);
    let response = app.get("/healthz");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.json(), serde_json::json!({"status": "ok"}));
}

#[test]
fn readiness_signs_and_answers_ready() {
    let app = spawn_app(&[]);
    let response = app.get("/readyz");
    assert_eq!(response.status, 200);
    // The test's LiveKit (`wss://video.example.edu`) is not reachable from here: the server is
    // ready all the same (it issues tokens), and says so of the room service.
    assert_eq!(
        response.json(),
        serde_json::json!({"status": "ready", "room_service": "unreachable"})
    );
}

#[test]
fn swagger_ui_is_served_from_vendored_assets() {
    let app = spawn_app(&[]);
    let page = app.get("/swagger-ui/");
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().contains("swagger-ui"), "{}", page.text());
    let config = app.get("/swagger-ui/swagger-initializer.js");
    assert_eq!(config.status, 200);
    assert!(
        config.text().contains("/api-docs/openapi.json"),
        "{}",
        config.text()
    );
    let bundle = app.get("/swagger-ui/swagger-ui-bundle.js");
    assert_eq!(bundle.status, 200);
    assert!(bundle.body.len() > 100_000, "the real bundle, not a stub");
}
