//! Provider behaviour the LiveKit provider never shows on its own: slowness and failures.
//! These stand-in providers implement the same `VideoProvider` trait the server serves.

use std::sync::Arc;
use std::time::{Duration, Instant};

use video_core::{BoxFuture, JoinRequest, JoinTicket, ProviderError, VideoProvider};

use crate::helpers::{spawn_app_with, test_config, verify};

/// Delegates to the configured LiveKit provider after a delay.
struct Slow {
    inner: Arc<dyn VideoProvider>,
    delay: Duration,
}

impl VideoProvider for Slow {
    fn name(&self) -> &'static str {
        "slow"
    }

    fn join<'a>(
        &'a self,
        request: &'a JoinRequest,
    ) -> BoxFuture<'a, Result<JoinTicket, ProviderError>> {
        Box::pin(async move {
            actix_web::rt::time::sleep(self.delay).await;
            self.inner.join(request).await
        })
    }

    fn check_ready(&self) -> BoxFuture<'_, Result<(), ProviderError>> {
        self.inner.check_ready()
    }
}

#[test]
fn a_graceful_stop_lets_in_flight_requests_finish() {
    let inner = test_config(&[]).providers.default_provider().build();
    let app = spawn_app_with(
        &[],
        Some(Arc::new(Slow {
            inner,
            delay: Duration::from_millis(1500),
        })),
    );
    let address = app.address;
    let started = Instant::now();
    let in_flight = std::thread::spawn(move || {
        crate::helpers::request(address, "GET", b"/api/video/token?room=r&user=u")
    });
    std::thread::sleep(Duration::from_millis(300)); // the request is now inside the provider

    let stopping = app.begin_graceful_stop();
    let response = in_flight.join().unwrap();
    stopping.join().unwrap();

    assert_eq!(response.status, 200, "{}", response.text());
    verify(response.json()["token"].as_str().unwrap());
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "it really was in flight"
    );
    assert!(
        std::net::TcpStream::connect(address).is_err(),
        "no new connections after the stop"
    );
}

/// Fails every call with the given error.
struct Failing(fn() -> ProviderError);

impl VideoProvider for Failing {
    fn name(&self) -> &'static str {
        "failing"
    }

    fn join<'a>(&'a self, _: &'a JoinRequest) -> BoxFuture<'a, Result<JoinTicket, ProviderError>> {
        Box::pin(async move { Err((self.0)()) })
    }

    fn check_ready(&self) -> BoxFuture<'_, Result<(), ProviderError>> {
        Box::pin(async move { Err((self.0)()) })
    }
}

const INTERNALS: &str = "upstream said: key APIxyz rejected at 10.1.2.3";

fn unavailable() -> ProviderError {
    ProviderError::Unavailable {
        provider: "livekit",
        source: INTERNALS.into(),
    }
}

fn internal() -> ProviderError {
    ProviderError::Internal {
        provider: "livekit",
        source: INTERNALS.into(),
    }
}

#[test]
fn provider_failures_are_503_or_500_problem_details_without_internals() {
    for (make, status, code) in [
        (
            unavailable as fn() -> ProviderError,
            503,
            "provider_unavailable",
        ),
        (internal, 500, "internal_error"),
    ] {
        let app = spawn_app_with(&[], Some(Arc::new(Failing(make))));
        let response = app.get("/api/video/token?room=r&user=u");
        assert_eq!(response.status, status);
        assert_eq!(
            response.header("content-type"),
            Some("application/problem+json")
        );
        assert_eq!(response.header("cache-control"), Some("no-store"));
        assert_eq!(response.json()["code"], code);
        assert!(!response.text().contains("10.1.2.3"), "{}", response.text());
        insta::assert_json_snapshot!(format!("provider_failure_{status}"), response.json());

        let ready = app.get("/readyz");
        assert_eq!(ready.status, 503);
        assert_eq!(ready.json()["code"], "not_ready");
        assert!(!ready.text().contains("10.1.2.3"));
        assert_eq!(
            app.get("/healthz").status,
            200,
            "liveness does not depend on the provider"
        );
    }
}
