"""Checks our service-account token request with Google's own auth library, google-auth.

Run by tests/google_auth.rs with the Python of a venv that has `google-auth` and `cryptography`.
Reads one JSON object on stdin:

- key_info: the service account key file (as Google Cloud downloads it);
- public_pem, other_public_pem: the key's public half, and another key's;
- scope, subject, audience: what the assertion must say;
- ours: our token request as the token endpoint received it (content_type, form).

Writes one JSON object on stdout:

- ours_claims: our assertion's claims as google.auth.jwt.decode reads them, with the RS256
  signature checked with the public key, `iat`/`exp` checked against the clock and `aud`
  checked against `audience`;
- ours_header: our assertion's header;
- ours_other_key, ours_other_audience: what google.auth.jwt.decode says of our assertion with
  another public key, and with another audience;
- helper: the token request google.oauth2.service_account.Credentials sends for the same key,
  scope and subject (captured by a transport that answers as Google would): url, content_type,
  the form's field names and grant_type, and its assertion's header and claims (its signature
  checked the same way, with the same public key);
- versions: of google-auth and cryptography.
"""

import base64
import json
import sys
import urllib.parse

import cryptography
import google.auth
from google.auth import jwt
from google.auth import transport
from google.oauth2 import service_account


def header_of(token):
    segment = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def refusal(call):
    try:
        call()
        return "accepted"
    except ValueError as error:
        return "{}: {}".format(type(error).__name__, error)


class Response(transport.Response):
    def __init__(self, status, data):
        self._status = status
        self._data = data

    @property
    def status(self):
        return self._status

    @property
    def headers(self):
        return {"content-type": "application/json"}

    @property
    def data(self):
        return self._data


class Capture(transport.Request):
    """A transport that records requests and answers as Google's token endpoint does."""

    def __init__(self):
        self.calls = []

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        self.calls.append({"url": url, "method": method, "body": body, "headers": headers or {}})
        answer = {"access_token": "ya29.helper", "expires_in": 3599, "token_type": "Bearer"}
        return Response(200, json.dumps(answer).encode("utf-8"))


inputs = json.load(sys.stdin)
public_pem = inputs["public_pem"]
audience = inputs["audience"]
ours = inputs["ours"]["form"]["assertion"]

credentials = service_account.Credentials.from_service_account_info(
    inputs["key_info"], scopes=[inputs["scope"]], subject=inputs["subject"]
)
capture = Capture()
credentials.refresh(capture)
token_calls = [call for call in capture.calls if call["url"] == inputs["key_info"]["token_uri"]]
call = token_calls[0]
form = dict(urllib.parse.parse_qsl(call["body"].decode("utf-8")))
helper_assertion = form["assertion"]

json.dump(
    {
        "ours_claims": jwt.decode(ours, certs=public_pem, audience=audience),
        "ours_header": header_of(ours),
        "ours_other_key": refusal(
            lambda: jwt.decode(ours, certs=inputs["other_public_pem"], audience=audience)
        ),
        "ours_other_audience": refusal(
            lambda: jwt.decode(ours, certs=public_pem, audience="https://example.invalid/token")
        ),
        "helper": {
            "token_calls": len(token_calls),
            "method": call["method"],
            "url": call["url"],
            "content_type": call["headers"].get("Content-Type"),
            "fields": sorted(form),
            "grant_type": form["grant_type"],
            "header": header_of(helper_assertion),
            "claims": jwt.decode(helper_assertion, certs=public_pem, audience=audience),
        },
        "versions": {"google-auth": google.auth.__version__, "cryptography": cryptography.__version__},
    },
    sys.stdout,
)
