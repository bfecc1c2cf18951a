use crate::helpers::spawn_app;

#[test]
fn serves_the_built_page_and_its_assets_when_present() {
    let dist = std::env::temp_dir().join(format!("token-server-dist-{}", std::process::id()));
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>Live session</title>",
    )
    .unwrap();
    std::fs::write(dist.join("assets/app.js"), "console.log('live');").unwrap();
    let app = spawn_app(&[("WEB_DIST_DIR", dist.to_str().unwrap())]);

    let page = app.get("/");
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().contains("Live session"));
    let script = app.get("/assets/app.js");
    assert_eq!(script.status, 200);
    assert!(
        script
            .header("content-type")
            .unwrap()
            .contains("javascript")
    );
    let missing = app.get("/assets/missing.js");
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.header("content-type"),
        Some("application/problem+json")
    );
    // The API still wins over the page.
    assert_eq!(app.get("/api/video/token?room=r&user=u").status, 200);
    assert_eq!(app.get("/healthz").status, 200);
    std::fs::remove_dir_all(dist).unwrap();
}
