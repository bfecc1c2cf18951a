//! RS256 needs jsonwebtoken's `rust_crypto` provider as the process's default. When another
//! provider, one without RS256 (as LiveKit's HMAC-only one), was installed first, the settings
//! say so at startup instead of blaming the key. In a test binary of its own: the provider is
//! process-wide and can be installed once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use jsonwebtoken::crypto::{CryptoProvider, JwkUtils, JwtSigner, JwtVerifier};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use video_google_meet::GoogleMeetSettings;

fn no_signer(_: &Algorithm, _: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    Err(ErrorKind::InvalidAlgorithm.into())
}

fn no_verifier(_: &Algorithm, _: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    Err(ErrorKind::InvalidAlgorithm.into())
}

static WITHOUT_RS256: CryptoProvider = CryptoProvider {
    signer_factory: no_signer,
    verifier_factory: no_verifier,
    jwk_utils: JwkUtils::new_unimplemented(),
};

#[test]
fn a_process_whose_crypto_provider_cannot_sign_rs256_is_told_so_at_startup() {
    assert!(WITHOUT_RS256.install_default().is_ok());
    let json = support::key_json(support::test_key(), "https://oauth2.googleapis.com/token");

    let error = GoogleMeetSettings::from_key_json(&json.to_string(), support::USER).unwrap_err();

    assert_eq!(error.variable(), "GOOGLE_MEET_SERVICE_ACCOUNT_KEY_FILE");
    let shown = error.to_string();
    assert!(
        shown.contains("cannot sign RS256") && shown.contains("rust_crypto"),
        "{shown}"
    );
}
