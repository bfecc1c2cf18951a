use std::path::PathBuf;

use crate::helpers::spawn_app;

fn committed_copy() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/api/openapi.json")
}

#[test]
fn served_document_is_openapi_3_1_and_matches_the_snapshot() {
    let app = spawn_app(&[]);
    let response = app.get("/api-docs/openapi.json");
    assert_eq!(response.status, 200);
    let document = response.json();
    assert_eq!(document["openapi"], "3.1.0");
    insta::assert_json_snapshot!("openapi_document", document);
}

#[test]
fn committed_copy_is_identical_to_what_the_server_serves() {
    let app = spawn_app(&[]);
    let served = app.get("/api-docs/openapi.json").json();
    let path = committed_copy();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let committed: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    assert!(
        served == committed,
        "{} is out of date; regenerate it with:\n  cargo run -q -p token-server -- openapi > docs/api/openapi.json",
        path.display()
    );
    assert_eq!(
        text,
        token_server::openapi::openapi_json(),
        "formatting as `token-server openapi` prints it"
    );
}

#[test]
fn every_error_response_of_the_token_endpoint_is_documented_with_examples() {
    let app = spawn_app(&[]);
    let document = app.get("/api-docs/openapi.json").json();
    let responses = &document["paths"]["/api/video/token"]["get"]["responses"];
    for status in ["400", "401", "403", "405", "413", "429", "500", "503"] {
        let content = &responses[status]["content"]["application/problem+json"];
        assert!(content["schema"].is_object(), "{status} has a schema");
        assert!(
            content["example"].is_object() || content["examples"].is_object(),
            "{status} has examples"
        );
    }
    let examples = responses["400"]["content"]["application/problem+json"]["examples"]
        .as_object()
        .unwrap();
    for code in [
        "missing_parameter",
        "empty_parameter",
        "parameter_too_long",
        "invalid_characters",
        "duplicate_parameter",
        "unknown_parameter",
        "malformed_query",
        "unknown_role",
    ] {
        assert_eq!(examples[code]["value"]["code"], code);
    }
    assert!(responses["200"]["content"]["application/json"]["schema"].is_object());
    let params: Vec<_> = document["paths"]["/api/video/token"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["required"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        params,
        [
            ("room", true),
            ("user", false),
            ("name", false),
            ("role", false)
        ]
    );
    let security = &document["paths"]["/api/video/token"]["get"]["security"];
    assert_eq!(
        security,
        &serde_json::json!([{}, {"bearer": []}]),
        "credentials optional (none) or bearer"
    );
    let scheme = &document["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (scheme["type"].as_str(), scheme["scheme"].as_str()),
        (Some("http"), Some("bearer"))
    );
}
