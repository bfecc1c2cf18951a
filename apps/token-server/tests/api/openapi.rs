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
        token_server::openapi::openapi_json(
            token_server::auth::AuthMode::None,
            &crate::helpers::test_config(&[]).providers.build()
        ),
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
            ("user", true),
            ("name", false),
            ("role", false),
            ("provider", false)
        ]
    );
    let security = &document["paths"]["/api/video/token"]["get"]["security"];
    assert_eq!(
        security,
        &serde_json::json!([{}]),
        "TOKEN_SERVER_AUTH=none: no credentials"
    );
    let scheme = &document["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (scheme["type"].as_str(), scheme["scheme"].as_str()),
        (Some("http"), Some("bearer"))
    );
}

/// `user` and credentials as the configured mode requires them, so that API fuzzing against the
/// served document expects exactly what the server does.
#[test]
fn the_served_document_follows_the_authentication_mode() {
    let token_operation = |app: &crate::helpers::TestApp| {
        let document = app.get("/api-docs/openapi.json").json();
        let operation = document["paths"]["/api/video/token"]["get"].clone();
        let user = operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "user")
            .map(|p| p["required"].as_bool().unwrap())
            .unwrap();
        (user, operation["security"].clone())
    };
    let api_key = spawn_app(&[
        ("TOKEN_SERVER_AUTH", "api-key"),
        (
            "TOKEN_SERVER_API_KEYS",
            "lms-backend-key-0123456789abcdef0123",
        ),
    ]);
    assert_eq!(
        token_operation(&api_key),
        (true, serde_json::json!([{"bearer": []}]))
    );
    let jwt = spawn_app(&[
        ("TOKEN_SERVER_AUTH", "jwt"),
        (
            "AUTH_JWT_HS256_SECRET",
            "lms-session-hs256-secret-0123456789abcdef",
        ),
        ("AUTH_JWT_ISSUER", "https://lms.example.edu"),
        ("AUTH_JWT_AUDIENCE", "openconnect-video"),
    ]);
    assert_eq!(
        token_operation(&jwt),
        (false, serde_json::json!([{"bearer": []}]))
    );
}

#[test]
fn names_declare_the_control_character_rule() {
    let app = spawn_app(&[]);
    let document = app.get("/api-docs/openapi.json").json();
    let parameters = document["paths"]["/api/video/token"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .clone();
    for name in ["room", "user", "name"] {
        let parameter = parameters.iter().find(|p| p["name"] == name).unwrap();
        assert_eq!(
            parameter["schema"]["pattern"], r"^[^\u0000-\u001F\u007F-\u009F]*$",
            "{name}"
        );
    }
}
